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

    /// stdout of `argv` if it exited 0; otherwise the error quotes the tool's own message.
    public func output(of argv: [String]) throws -> String {
        guard status == 0 else {
            let message = stderr.split(separator: "\n").first.map(String.init) ?? "no message"
            throw CFSyncError.failed("\(argv.joined(separator: " ")) exited \(status): \(message)")
        }
        return stdout
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
        try run(argv, stdin: stdin).output(of: argv)
    }
}

/// The real thing: `ChildProcess` (posix_spawn, one poll loop, waitpid) on
/// cfsync's fixed PATH with `LC_ALL=C`, each child bounded by `timeLimit`.
public struct SystemCommandRunner: CommandRunner {
    /// Only stops a tool that hangs: iptables-nft-save of 100k rules took 80 s
    /// on a loaded 2-core machine, iptables-nft-restore of them 9 s.
    public static let defaultTimeLimit = 600.0

    /// Seconds a child may run before it is killed and the command fails.
    public let timeLimit: Double

    public init(timeLimit: Double = defaultTimeLimit) {
        self.timeLimit = timeLimit
    }

    public func run(_ argv: [String], stdin: String?) throws -> CommandResult {
        guard let tool = argv.first else { throw CFSyncError.failed("empty command") }
        let path = tool.hasPrefix("/") ? tool : try Self.locate(tool)
        do {
            let done = try ChildProcess.run([path] + argv.dropFirst(), environment: ["PATH=\(Self.path)", "LC_ALL=C"],
                                            input: Array((stdin ?? "").utf8), timeLimit: timeLimit)
            return CommandResult(status: done.status, stdout: String(decoding: done.stdout, as: UTF8.self),
                                 stderr: String(decoding: done.stderr, as: UTF8.self))
        } catch ChildProcess.Failure.cannotStart(let reason) {
            throw CFSyncError.failed("\(tool): cannot run (\(reason))")
        } catch ChildProcess.Failure.timedOut {
            throw CFSyncError.failed("\(tool) did not finish within \(FetchError.format(timeLimit)) s (the time limit of every tool cfsync runs); killed it")
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
