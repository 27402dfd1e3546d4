import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a finished child process left behind.
struct ProcessResult: CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var stdout: String
    var stderr: String
    var duration: TimeInterval
    var timedOut: Bool

    var succeeded: Bool { status == 0 && !timedOut }

    /// The lines of stderr (a trailing newline does not make an extra line).
    var stderrLines: [Substring] {
        var text = Substring(stderr)
        if text.hasSuffix("\n") { text = text.dropLast() }
        return text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    var description: String {
        "`\(arguments.joined(separator: " "))` -> status \(status)\(timedOut ? " (timed out)" : "")"
            + " after \(String(format: "%.2f", duration)) s\n--- stdout ---\n\(stdout)--- stderr ---\n\(stderr)"
    }
}

struct SubprocessError: Error, CustomStringConvertible {
    var description: String
}

/// Runs child processes with posix_spawn and waitpid (not Foundation's Process, which on
/// Linux only notices an exit when every holder of an inherited notification socket is gone:
/// a background server spawned meanwhile keeps a short-lived child "running" forever).
/// Output goes to files (never pipes), the child gets no descriptor beyond 0-2, and a time
/// limit always holds.
enum Subprocess {
    /// The environment children get: the test's own, without anything that makes
    /// cfsync think it runs under SSH (its SSH guard must not depend on who ran the tests).
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in ["SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY"] { env[key] = nil }
        let path = env["PATH"] ?? "/usr/bin:/bin"
        env["PATH"] = path + ":/usr/local/sbin:/usr/sbin:/sbin"
        return env
    }

    static func run(
        _ arguments: [String],
        stdin: Data? = nil,
        timeout: TimeInterval = 60
    ) throws -> ProcessResult {
        let scratch = try ScratchFiles()
        defer { scratch.remove() }
        var stdinPath = "/dev/null"
        if let stdin {
            stdinPath = scratch.directory.appendingPathComponent("stdin").path
            try stdin.write(to: URL(fileURLWithPath: stdinPath))
        }
        let started = Date()
        let child = try Child(arguments, stdinPath: stdinPath, stdout: scratch.stdout.path, stderr: scratch.stderr.path)
        let timedOut = !child.wait(timeout: timeout)
        return ProcessResult(
            arguments: arguments,
            status: child.status ?? -1,
            stdout: scratch.read(scratch.stdout),
            stderr: scratch.read(scratch.stderr),
            duration: Date().timeIntervalSince(started),
            timedOut: timedOut
        )
    }

    /// The absolute path of a tool, looked up in PATH plus the sbin directories.
    static func which(_ tool: String) -> String? {
        let path = environment["PATH"] ?? ""
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// One spawned child process.
final class Child {
    let pid: pid_t
    /// Exit status, or 128 + signal number; nil while it runs.
    private(set) var status: Int32?

    /// Spawns `arguments` with stdin from `stdinPath` (or `stdinFD`, which the child gets as fd 0)
    /// and stdout/stderr appended to the given files.
    init(_ arguments: [String], stdinPath: String? = "/dev/null", stdinFD: Int32? = nil,
         stdout: String, stderr: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdinFD {
            posix_spawn_file_actions_adddup2(&actions, stdinFD, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, stdinPath ?? "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        // Nothing but 0-2 reaches the child (glibc >= 2.34; looked up because Swift does not import it).
        if let addCloseFrom = Self.addCloseFrom { _ = addCloseFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = Subprocess.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw SubprocessError(description: "cannot start \(arguments[0]): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Reaps the child if it exited; true once it has.
    @discardableResult
    func poll() -> Bool {
        if status != nil { return true }
        var raw: Int32 = 0
        let rc = waitpid(pid, &raw, WNOHANG)
        guard rc == pid else { return false }
        let signal = raw & 0x7f
        status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        return true
    }

    var isRunning: Bool { !poll() }

    /// Waits up to `timeout`; past it sends SIGTERM, then SIGKILL. True if it exited on its own.
    @discardableResult
    func wait(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !poll() {
            if Date() >= deadline {
                stop(signal: SIGTERM)
                return false
            }
            usleep(2_000)
        }
        return true
    }

    /// Sends `signal`, waits up to 3 s, then SIGKILL; always reaps.
    func stop(signal: Int32 = SIGTERM) {
        guard !poll() else { return }
        kill(pid, signal)
        let deadline = Date().addingTimeInterval(3)
        while !poll(), Date() < deadline { usleep(2_000) }
        if !poll() {
            kill(pid, SIGKILL)
            while !poll() { usleep(2_000) }
        }
    }

    deinit { stop(signal: SIGKILL) }
}

/// Two output files in a private temp directory.
final class ScratchFiles {
    let directory: URL
    var stdout: URL { directory.appendingPathComponent("stdout") }
    var stderr: URL { directory.appendingPathComponent("stderr") }

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("cfsync-nf-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func read(_ url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A long-running child (a server, a prober) whose output is read while it runs.
final class BackgroundProcess {
    let arguments: [String]
    private let child: Child
    private let scratch: ScratchFiles
    /// Our end of the child's stdin: closing it is the polite "stop".
    private var stdinWriter: Int32

    init(_ arguments: [String]) throws {
        self.arguments = arguments
        scratch = try ScratchFiles()
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SubprocessError(description: "pipe failed") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        stdinWriter = fds[1]
        defer { close(fds[0]) }
        do {
            child = try Child(arguments, stdinFD: fds[0], stdout: scratch.stdout.path, stderr: scratch.stderr.path)
        } catch {
            close(fds[1])
            throw error
        }
    }

    var stdout: String { scratch.read(scratch.stdout) }
    var stderr: String { scratch.read(scratch.stderr) }
    var isRunning: Bool { child.isRunning }

    /// Waits until stdout (or stderr) has a line starting with `prefix`; returns that line.
    func waitForLine(
        startingWith prefix: String,
        onStderr: Bool = false,
        timeout: TimeInterval = 10
    ) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = onStderr ? stderr : stdout
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return String(line)
            }
            if !child.isRunning { break }
            usleep(10_000)
        }
        throw SubprocessError(description:
            "`\(arguments.joined(separator: " "))` did not print \"\(prefix)\" within \(timeout) s"
            + " (exit status: \(child.status.map(String.init) ?? "still running"))\nstdout: \(stdout)\nstderr: \(stderr)")
    }

    /// Closes stdin (a polite stop), waits up to `timeout`, then terminates. Returns the exit status.
    @discardableResult
    func stop(timeout: TimeInterval = 5) -> Int32? {
        closeStdin()
        child.wait(timeout: timeout)
        return child.status
    }

    /// Sends `signal` (e.g. SIGKILL to crash a run on purpose) and reaps the child.
    func kill(signal: Int32) {
        closeStdin()
        child.stop(signal: signal)
    }

    /// Sends `signal` and returns at once: the child decides how to end (`wait` reaps it).
    func send(signal: Int32) {
        Glibc.kill(child.pid, signal)
    }

    /// The exit status once the child has exited by itself within `timeout`.
    func wait(timeout: TimeInterval) -> Int32? {
        child.wait(timeout: timeout) ? child.status : nil
    }

    /// Writes `line` and a newline to the child's stdin.
    func writeLine(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(stdinWriter, $0.baseAddress, $0.count) }
    }

    /// SIGTERM now; waits for the exit.
    func terminate() {
        closeStdin()
        child.stop(signal: SIGTERM)
    }

    private func closeStdin() {
        if stdinWriter >= 0 {
            close(stdinWriter)
            stdinWriter = -1
        }
    }

    deinit {
        terminate()
        scratch.remove()
    }
}
