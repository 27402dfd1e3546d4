import Foundation

/// SIGTERM, SIGINT and SIGHUP during a run (systemd stopping the unit, an
/// operator's ^C): a change is either finished or restored, never left half-way.
///
/// Deferral works by the signal mask, which is per thread: a signal the main
/// thread blocks is delivered to any other thread that does not, and ends the
/// process there. So no other thread may have them unblocked. Threads inherit
/// the mask of the thread that starts them; cfsync starts none of its own
/// (children are processes, spawned with a clean mask by `SystemCommandRunner`,
/// never watched by a helper thread as Foundation's `Process` does), and
/// libdispatch blocks every signal in its workers.
public enum Signals {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// First thing in `main`. Unblocks the handled signals on the main thread
    /// (a mask inherited from whoever started cfsync would otherwise hide them
    /// outside `deferred`), so they end the run at once except where `deferred`
    /// and `block` hold them back. Ignores SIGPIPE: a tool that exits without
    /// reading its input makes the write fail with EPIPE instead of killing
    /// cfsync half-way through a change.
    public static func prepareProcess() {
        signal(SIGPIPE, SIG_IGN)
        var set = handledSet
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Runs `body` with the signals blocked; one that arrived meanwhile is
    /// delivered when it returns (and then ends the process as usual).
    static func deferred<T>(_ body: () throws -> T) rethrows -> T {
        var blocked = handledSet, previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// Whether one of the signals is pending (blocked by `block` or `deferred`),
    /// so a long wait (`--confirm`) can undo its change before exiting.
    static func pending() -> Bool {
        var set = sigset_t()
        sigpending(&set)
        return handled.contains { sigismember(&set, $0) == 1 }
    }

    /// Blocks the signals for the rest of the run.
    static func block() {
        var blocked = handledSet
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
    }

    private static var handledSet: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handled { sigaddset(&set, signal) }
        return set
    }
}
