import Foundation

/// SIGTERM, SIGINT and SIGHUP during a run (systemd stopping the unit, an
/// operator's ^C): a change is either finished or restored, never left half-way.
enum Signals {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// Runs `body` with the signals blocked; one that arrived meanwhile is
    /// delivered when it returns (and then ends the process as usual).
    static func deferred<T>(_ body: () throws -> T) rethrows -> T {
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        for signal in handled { sigaddset(&blocked, signal) }
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// Blocks the signals for the rest of the run and reports whether one is
    /// pending, so a long wait (`--confirm`) can undo its change before exiting.
    static func pending() -> Bool {
        var set = sigset_t()
        sigpending(&set)
        return handled.contains { sigismember(&set, $0) == 1 }
    }

    static func block() {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in handled { sigaddset(&blocked, signal) }
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
    }
}
