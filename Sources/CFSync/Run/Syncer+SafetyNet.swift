import CFSyncCore
import Foundation

/// Snapshots before every change, restore on any failure, and the
/// `--confirm` dead-man switch.
extension Syncer {
    /// Saves a snapshot of cfsync's objects as `observed` read them (the run's one read), or
    /// as read now.
    func takeSnapshot(_ command: String, of observed: Observation? = nil, _ backend: Backend) throws -> Snapshot {
        let snapshot = Snapshot(
            id: Snapshot.makeID(Date()), created: Date(), command: command, backend: backend.kind,
            ruleset: try observed?.dump() ?? backend.snapshot(), lists: try lists.load(), applied: try applied.load())
        try snapshots.save(snapshot)
        log.info("snapshot \(snapshot.id) taken before \(command)")
        return snapshot
    }

    /// Runs `body` over a read of the kernel. When the kernel refuses the commit because the
    /// ruleset changed after that read (nothing applied), starts again from the same report
    /// with a new read, once; a second refusal ends the run, nothing applied.
    func overFreshRead<T>(_ backend: Backend, _ policy: Policy, _ report: inout Report,
                          _ body: (Observation, inout Report) throws -> T) throws -> T {
        let start = report
        do {
            return try body(try observeBeforeCommit(backend, policy), &report)
        } catch is ChangedSinceObserved {
            log.warning("the ruleset changed after cfsync read it; reading it and planning again")
            report = start
            return try body(try observeBeforeCommit(backend, policy), &report)
        }
    }

    private func observeBeforeCommit(_ backend: Backend, _ policy: Policy) throws -> Observation {
        let observed = try backend.observe(policy)
        try Failpoint.afterObserve.hit()
        return observed
    }

    /// Runs `body`; if anything in it fails, puts cfsync's objects and the
    /// accepted lists back as `undo` holds them, and says so. A commit the kernel refused
    /// because the ruleset changed since it was read (`ChangedSinceObserved`) applied nothing,
    /// and `undo` is that stale read: nothing is restored. Nor is it after a backend's
    /// `RefusedBeforeChange`.
    func change(_ backend: Backend, undo: Snapshot, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let changed as ChangedSinceObserved {
            throw changed
        } catch let refused as RefusedBeforeChange {
            throw CFSyncError.failed(refused.description)
        } catch {
            let failure = CFSyncError.classify(error), cause = failure.message
            log.warning("\(cause); restoring snapshot \(undo.id)")
            do {
                try restore(backend, to: undo)
            } catch {
                throw CFSyncError.failed("\(cause); restoring snapshot \(undo.id) ALSO failed: \(CFSyncError.classify(error).message)")
            }
            // A lock another program held (the xtables lock) stays exit 4.
            throw CFSyncError(failure.exit == .locked ? .locked : .error, "\(cause); restored snapshot \(undo.id)")
        }
    }

    /// Restores `snapshot` and reads it back: the dump must be byte-identical. The accepted
    /// lists and the applied-state record go back with it.
    func restore(_ backend: Backend, to snapshot: Snapshot) throws {
        try backend.restore(snapshot.ruleset)
        guard try backend.snapshot() == snapshot.ruleset else {
            throw CFSyncError.failed("read-back after restoring snapshot \(snapshot.id) differs from it")
        }
        try lists.store(snapshot.cachedLists)
        try applied.save(snapshot.applied)
    }

    static let pendingConfirmation = "confirm/pending"
    static let confirmed = "confirm/confirmed"

    /// Keeps the change only if `cfsync confirm` (or ENTER on a terminal) comes
    /// within `seconds`; otherwise rolls back to `undo`.
    func awaitConfirmation(_ seconds: Double, backend: Backend, undo: Snapshot, report: inout Report) throws {
        try state.remove(Self.confirmed)
        try state.write(Self.pendingConfirmation, Array(undo.id.utf8))
        defer { try? state.remove(Self.pendingConfirmation) }
        let prompt = isatty(STDIN_FILENO) == 1
        if prompt {
            FileHandle.standardError.write(Data("cfsync: press ENTER or run 'cfsync confirm' within \(Int(seconds)) s to keep this change\n".utf8))
        }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !Signals.pending() {
            if try state.read(Self.confirmed) != nil || (prompt && Self.enterPressed()) {
                try state.remove(Self.confirmed)
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        try restore(backend, to: undo)
        report.result = .rolledBack
        report.changed = false
        let why = Signals.pending() ? "interrupted before confirmation" : "not confirmed within \(Int(seconds)) s"
        throw CFSyncError.failed("\(why); rolled back to snapshot \(undo.id)")
    }

    /// A line on a terminal's stdin, without blocking.
    private static func enterPressed() -> Bool {
        var fds = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        guard poll(&fds, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        return read(STDIN_FILENO, &byte, 1) == 1 && byte == UInt8(ascii: "\n")
    }

    /// `cfsync confirm`: keeps the change of a running `apply --confirm`.
    public func confirm() -> Outcome {
        run("confirm") { report in
            guard try state.read(Self.pendingConfirmation) != nil else {
                throw CFSyncError.failed("no apply --confirm is waiting in \(state.path)")
            }
            try state.write(Self.confirmed, [])
            report.result = .unchanged
            return .success
        }
    }
}
