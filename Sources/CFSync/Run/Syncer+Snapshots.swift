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
            let backend = try injected ?? BackendSelection.make(target.backend, lockTimeout: settings.lockTimeout, nftCommitRecord: NftCommitRecordFile(dir: state))
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

    /// Deletes every object cfsync created (after a snapshot), nothing else: in
    /// the chosen backend and in every other one that holds some (a host that moved
    /// from iptables to nftables keeps no leftovers). One snapshot per backend.
    public func remove() -> Outcome {
        run("remove") { report in
            let chosen = try choose(&report)
            try state.ensureExists()
            let lock = try StateLock.acquire(in: state, timeout: settings.lockTimeout)
            defer { lock.release() }
            report.result = .removed
            var removedFrom: [String] = []
            for backend in [chosen] + otherBackends(than: chosen) where try !backend.snapshot().isEmpty {
                let before = try takeSnapshot("remove", backend)
                report.snapshot = report.snapshot ?? before.id
                try Signals.deferred {
                    try change(backend, undo: before) {
                        try backend.restore("")
                        guard try backend.snapshot().isEmpty else {
                            throw CFSyncError.failed("cfsync's \(backend.kind.rawValue) objects are still there after remove")
                        }
                    }
                }
                log.info("removed \(backend.objects) (snapshot \(before.id))")
                removedFrom.append(backend.kind.rawValue)
            }
            try applied.save(.removed)
            if removedFrom.count > 1 { report.warnings.append("removed cfsync's objects from \(removedFrom.joined(separator: ", "))") }
            report.changed = !removedFrom.isEmpty
            return report.changed && settings.detailedExitcode ? .changes : .success
        }
    }

    /// The other backends usable on this host (their tools present, ufw active); none
    /// when a backend was injected.
    private func otherBackends(than chosen: Backend) -> [Backend] {
        guard injected == nil else { return [] }
        return BackendKind.allCases.filter { $0 != chosen.kind }.compactMap { try? BackendSelection.make($0, lockTimeout: settings.lockTimeout, nftCommitRecord: NftCommitRecordFile(dir: state)) }
    }

    /// Intact snapshots, newest first; damaged ones come back as warnings.
    public func listSnapshots() throws -> (snapshots: [Snapshot], warnings: [String]) {
        let (good, damaged) = try snapshots.list()
        return (good, damaged.map(\.description))
    }
}
