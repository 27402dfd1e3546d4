import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// One child process driven to its end by the calling thread alone:
/// `posix_spawn`, stdin/stdout/stderr on pipes served by one `poll` loop (so
/// neither side can block on a full pipe), `waitpid`, and a time limit.
///
/// Unlike Foundation's `Process` it needs no socket (works with the loopback
/// interface down, as at boot) and starts no thread that could receive the
/// signals the main thread defers. The child gets an empty signal mask, every
/// signal at its default action (SIGPIPE is ignored in cfsync; glibc leaves its
/// two internal real-time signals ignored, as in every posix_spawn child), no descriptor
/// beyond 0-2 (the state lock must not outlive cfsync in a tool), and its own
/// process group, so a terminal's ^C reaches cfsync, which defers it, and not
/// a tool half-way through its commit.
struct ChildProcess {
    struct Finished {
        /// Exit status, or 128 + the signal that ended it.
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]
    }

    enum Failure: Error {
        case cannotStart(String)
        case timedOut
    }

    /// Runs `argv` (argv[0] an absolute path) with exactly `environment`, feeds it
    /// `input`, and waits up to `timeLimit` seconds; past it the child is killed
    /// (SIGKILL), reaped, and `.timedOut` thrown.
    static func run(_ argv: [String], environment: [String], input: [UInt8], timeLimit: Double) throws -> Finished {
        let deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(max(timeLimit, 0) * 1e9)
        let stdin = try SpawnPipe(), stdout = try SpawnPipe(), stderr = try SpawnPipe()
        defer { [stdin, stdout, stderr].forEach { $0.closeBoth() } }
        let pid = try spawn(argv, environment: environment, stdin: stdin.read, stdout: stdout.write, stderr: stderr.write)
        // Only the child holds these now: EOF on stdout/stderr means it is done with them.
        stdin.closeRead()
        stdout.closeWrite()
        stderr.closeWrite()
        // Non-blocking only now and only ours: O_NONBLOCK belongs to the open pipe end, which dup2 shares with the child.
        for fd in [stdin.write, stdout.read, stderr.read] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

        var io = Exchange(input: input, stdin: stdin, stdout: stdout, stderr: stderr)
        while !io.isDone {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { return try kill(pid) }
            io.step(timeoutMilliseconds: Int32(min((deadline - now) / 1_000_000 + 1, 1_000)))
        }
        // Both outputs are closed, which normally means the child has exited.
        while true {
            if let status = reap(pid, wait: false) {
                return Finished(status: status, stdout: io.out, stderr: io.err)
            }
            guard DispatchTime.now().uptimeNanoseconds < deadline else { return try kill(pid) }
            usleep(1_000)
        }
    }

    private static func kill(_ pid: pid_t) throws -> Finished {
        Glibc.kill(pid, SIGKILL)
        _ = reap(pid, wait: true)
        throw Failure.timedOut
    }

    /// The exit status if the child has exited (always, with `wait`).
    private static func reap(_ pid: pid_t, wait: Bool) -> Int32? {
        var raw: Int32 = 0
        while true {
            let rc = waitpid(pid, &raw, wait ? 0 : WNOHANG)
            if rc == pid { break }
            if rc < 0, errno == EINTR { continue }
            return rc == 0 ? nil : -1  // waitpid failed (ECHILD): the status is lost
        }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    private static func spawn(_ argv: [String], environment: [String], stdin: Int32, stdout: Int32, stderr: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on 0-2; every pipe end itself is close-on-exec.
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let addCloseFrom { _ = addCloseFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            cArgv.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnv)
        guard rc == 0 else { throw Failure.cannotStart(String(cString: strerror(rc))) }
        return pid
    }

    /// glibc >= 2.34 (Debian 12 has 2.36); looked up because Swift does not import it.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
}

/// A pipe whose ends are close-on-exec.
private final class SpawnPipe {
    private(set) var read: Int32
    private(set) var write: Int32

    init() throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw ChildProcess.Failure.cannotStart("pipe: " + String(cString: strerror(errno))) }
        read = fds[0]
        write = fds[1]
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    }

    func closeRead() {
        if read >= 0 { close(read) }
        read = -1
    }

    func closeWrite() {
        if write >= 0 { close(write) }
        write = -1
    }

    func closeBoth() {
        closeRead()
        closeWrite()
    }
}

/// The parent's side of the three pipes: writes `input`, collects both outputs.
private struct Exchange {
    let input: [UInt8]
    var written = 0
    let stdin: SpawnPipe, stdout: SpawnPipe, stderr: SpawnPipe
    var out: [UInt8] = []
    var err: [UInt8] = []

    init(input: [UInt8], stdin: SpawnPipe, stdout: SpawnPipe, stderr: SpawnPipe) {
        self.input = input
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        if input.isEmpty { stdin.closeWrite() }
    }

    var isDone: Bool { stdin.write < 0 && stdout.read < 0 && stderr.read < 0 }

    /// One `poll` and whatever it made possible.
    mutating func step(timeoutMilliseconds: Int32) {
        var fds = [pollfd(fd: stdin.write, events: Int16(POLLOUT), revents: 0),
                   pollfd(fd: stdout.read, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stderr.read, events: Int16(POLLIN), revents: 0)]
        // A negative fd is skipped by poll.
        guard poll(&fds, nfds_t(fds.count), timeoutMilliseconds) > 0 else { return }
        if fds[0].revents != 0 { feed() }
        if fds[1].revents != 0 { drain(stdout, into: &out) }
        if fds[2].revents != 0 { drain(stderr, into: &err) }
    }

    /// Writes what the pipe takes; closes stdin when all is written or the child
    /// stopped reading (EPIPE: its exit status and stderr tell why).
    private mutating func feed() {
        let count = input[written...].withUnsafeBytes { Glibc.write(stdin.write, $0.baseAddress, $0.count) }
        if count > 0 { written += count }
        if written == input.count || (count < 0 && errno != EAGAIN && errno != EINTR) { stdin.closeWrite() }
    }

    private func drain(_ pipe: SpawnPipe, into buffer: inout [UInt8]) {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(pipe.read, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer += chunk[..<count]
            } else if count < 0, errno == EINTR {
                continue
            } else {
                if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { pipe.closeRead() }
                return
            }
        }
    }
}
