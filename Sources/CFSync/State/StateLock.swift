import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Why the lock could not be taken.
public enum LockError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another run held it for the whole `--lock-timeout` (exit 4).
    case timedOut(path: String, seconds: Double)
    /// The lock file could not be opened or locked at all.
    case failed(path: String, message: String)

    public var description: String {
        switch self {
        case .timedOut(let path, let seconds):
            return "another cfsync run holds \(path) (waited \(FetchError.format(seconds)) s, --lock-timeout)"
        case .failed(let path, let message):
            return "cannot lock \(path): \(message)"
        }
    }
}

/// One run at a time: flock(LOCK_EX) on <state dir>/lock, polled with LOCK_NB until the
/// timeout passes. The kernel drops a flock when its holder dies, so a killed run never
/// leaves a stale lock. The descriptor is close-on-exec, so helpers we spawn (nft,
/// iptables-restore) cannot keep the lock alive after we exit. Released by `release()`
/// or deinit.
public final class StateLock {
    public let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { release() }

    /// Creates the state dir if needed, then waits up to `timeout` seconds for the lock.
    public static func acquire(in dir: StateDirectory, timeout: Double) throws -> StateLock {
        try dir.ensureExists()
        let path = try dir.fullPath("lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LockError.failed(path: path, message: String(cString: strerror(errno)))
        }
        let wait = timeout.isFinite ? max(timeout, 0) : 86_400 * 365
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(wait * 1e9)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            guard code == EWOULDBLOCK else {
                close(fd)
                throw LockError.failed(path: path, message: String(cString: strerror(code)))
            }
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else {
                close(fd)
                throw LockError.timedOut(path: path, seconds: timeout)
            }
            usleep(useconds_t(min(deadline - now, 50_000_000) / 1000))
        }
        recordHolder(fd)
        return StateLock(path: path, fd: fd)
    }

    /// Unlocks; safe to call more than once.
    public func release() {
        guard fd >= 0 else { return }
        close(fd)  // closing the only descriptor drops the flock
        fd = -1
    }

    /// Writes our pid into the lock file, for a person wondering who holds it.
    private static func recordHolder(_ fd: Int32) {
        let text = Array("\(getpid())\n".utf8)
        guard ftruncate(fd, 0) == 0 else { return }
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }
}
