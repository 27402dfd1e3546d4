import Foundation

/// What a finished command printed and how it exited.
public struct CommandResult: Equatable, Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String = "", stderr: String = "") {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs the real firewall tools (iptables-restore, ipset, ufw). Backends take
/// one, so tests can script a fake that asserts the exact argv and stdin.
public protocol CommandRunner {
    func run(_ argv: [String], stdin: String?) throws -> CommandResult
}

extension CommandRunner {
    public func run(_ argv: [String]) throws -> CommandResult { try run(argv, stdin: nil) }

    /// Runs and requires exit status 0; the error quotes the tool's own message.
    @discardableResult
    public func check(_ argv: [String], stdin: String? = nil) throws -> String {
        let result = try run(argv, stdin: stdin)
        guard result.status == 0 else {
            let message = result.stderr.split(separator: "\n").first.map(String.init) ?? "no message"
            throw CFSyncError.failed("\(argv.joined(separator: " ")) exited \(result.status): \(message)")
        }
        return result.stdout
    }
}

/// The real thing: `Process` with stdin, stdout and stderr on pipes, drained
/// concurrently so a large ruleset cannot deadlock on a full pipe.
public struct SystemCommandRunner: CommandRunner {
    public init() {}

    public func run(_ argv: [String], stdin: String?) throws -> CommandResult {
        guard let tool = argv.first else { throw CFSyncError.failed("empty command") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool.hasPrefix("/") ? tool : try Self.locate(tool))
        process.arguments = Array(argv.dropFirst())
        process.environment = ["PATH": Self.path, "LC_ALL": "C"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw CFSyncError.failed("\(tool): cannot run (\(error.localizedDescription))")
        }
        let out = Drain(output), err = Drain(errors)
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: out.wait(), as: UTF8.self), stderr: String(decoding: err.wait(), as: UTF8.self))
    }

    /// Reads a pipe to its end on a background queue, so stdout and stderr fill concurrently.
    private final class Drain: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var data = Data()

        init(_ pipe: Pipe) {
            DispatchQueue.global().async {
                self.data = pipe.fileHandleForReading.readDataToEndOfFile()
                self.done.signal()
            }
        }

        /// The whole output; `data` is written once, before the signal.
        func wait() -> Data {
            done.wait()
            return data
        }
    }

    static let path = "/usr/sbin:/usr/bin:/sbin:/bin"

    /// Finds `tool` on cfsync's fixed PATH (never the caller's).
    public static func locate(_ tool: String) throws -> String {
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw CFSyncError.failed("\(tool) is not installed (looked in \(path))")
    }
}
