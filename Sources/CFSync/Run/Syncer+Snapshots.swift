import CFSyncCore
import Foundation

/// `rollback`, `remove` and `snapshots`: they touch only cfsync's own objects,
/// and every change is itself snapshotted first, so it can be undone too.
extension Syncer {
    public func rollback(to id: String?) -> Outcome {
        run("rollback") { report in
            try state.ensureExists()
            let lock = try StateLock.acquire(in: state, timeout: settings.lockTimeout)
            defer { lock.release() }
            let target = try snapshots.load(id)
            let backend = try injected ?? BackendSelection.make(target.backend)
            report.backend = backend.kind.rawValue
            let before = try takeSnapshot("rollback", backend)
            report.snapshot = before.id
            try Signals.deferred {
                try change(backend, undo: before) {
                    try restore(backend, to: target)
                }
            }
            report.result = .rolledBack
            report.changed = before.ruleset != target.ruleset
            return report.changed && settings.detailedExitcode ? .changes : .success
        }
    }

    /// Deletes every object cfsync created (after a snapshot), nothing else.
    public func remove() -> Outcome {
        run("remove") { report in
            let backend = try choose(&report)
            try state.ensureExists()
            let lock = try StateLock.acquire(in: state, timeout: settings.lockTimeout)
            defer { lock.release() }
            report.result = .removed
            guard try !backend.snapshot().isEmpty else { return .success }
            let before = try takeSnapshot("remove", backend)
            report.snapshot = before.id
            try Signals.deferred {
                try change(backend, undo: before) {
                    try backend.restore("")
                    guard try backend.snapshot().isEmpty else {
                        throw CFSyncError.failed("cfsync's objects are still there after remove")
                    }
                }
            }
            report.changed = true
            return settings.detailedExitcode ? .changes : .success
        }
    }

    /// Intact snapshots, newest first; damaged ones come back as warnings.
    public func listSnapshots() throws -> (snapshots: [Snapshot], warnings: [String]) {
        let (good, damaged) = try snapshots.list()
        return (good, damaged.map(\.description))
    }
}
