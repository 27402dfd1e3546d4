import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// ufw's own lock. ufw 0.36 (`/usr/sbin/ufw`, `ufw.util.create_lock`) opens `/run/ufw.lock`
/// and takes `fcntl.lockf(LOCK_EX)` on it, a POSIX record lock on the whole file, around
/// every command that changes rules; cfsync takes the same lock around its read, edit,
/// write and load of ufw's rules files, so neither overwrites the other's change.
///
/// ufw writes its files in place (not by rename), so reads take the lock too. A POSIX lock
/// belongs to the process and goes with any close of the file, so this type keeps the one
/// descriptor cfsync opens on it; the kernel drops the lock if cfsync dies. Close-on-exec:
/// the tools cfsync runs meanwhile (iptables-restore) do not inherit it.
final class UfwLock {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { release() }

    /// Runs `body` holding the lock at `path`, waiting at most `timeout` seconds for it.
    static func holding<T>(_ path: String, timeout: Double, _ body: () throws -> T) throws -> T {
        let lock = try acquire(path, timeout: timeout)
        defer { lock.release() }
        return try body()
    }

    /// Polls (as the state lock does) until the lock is had or `timeout` passes: exit 4,
    /// naming the lock, when a ufw command holds it that long.
    static func acquire(_ path: String, timeout: Double) throws -> UfwLock {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CFSyncError.failed("cannot open ufw's lock \(path): \(String(cString: strerror(errno)))")
        }
        let wait = timeout.isFinite ? max(timeout, 0) : 86_400 * 365
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(wait * 1e9)
        var whole = flock()
        whole.l_type = Int16(F_WRLCK)
        whole.l_whence = Int16(SEEK_SET)
        while fcntl(fd, F_SETLK, &whole) != 0 {
            let code = errno
            if code == EINTR { continue }
            guard code == EACCES || code == EAGAIN else {
                close(fd)
                throw CFSyncError.failed("cannot lock ufw's lock \(path): \(String(cString: strerror(code)))")
            }
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else {
                close(fd)
                throw CFSyncError(.locked, "ufw's lock \(path) is held by another process, e.g. a ufw command (waited \(FetchError.format(timeout)) s, --lock-timeout)")
            }
            usleep(useconds_t(min(deadline - now, 50_000_000) / 1000))
        }
        return UfwLock(fd: fd)
    }

    /// Unlocks; safe to call more than once.
    func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }
}
