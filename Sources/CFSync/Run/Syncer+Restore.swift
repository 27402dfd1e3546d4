import CFSyncCore

/// `restore`: puts back the last applied state (at boot, before any interface is up, and
/// after a reload removed cfsync's objects). It reads only the state dir: no network, no
/// policy options, no config; what the last apply, rollback or remove recorded decides.
extension Syncer {
    public func restore() -> Outcome {
        run("restore") { report in try reinstall("restore", &report) }
    }

    /// Re-installs the recorded state in one verified transaction, snapshotted as `command`;
    /// `report` says what was missing. Without a record, or after `remove`, changes nothing.
    func reinstall(_ command: String, _ report: inout Report) throws -> CFSyncExit {
        try state.ensureExists()
        let lock = try StateLock.acquire(in: state, timeout: settings.lockTimeout)
        defer { lock.release() }
        report.result = .unchanged
        guard let record = try applied.load() else {
            report.note = "nothing to restore: no apply is recorded in \(state.path)"
            return .success
        }
        guard case .installed(let kind, let policy, let lists) = record else {
            report.note = "nothing to restore: the last change was cfsync remove"
            return .success
        }
        let backend = try injected ?? BackendSelection.make(kind, lockTimeout: settings.lockTimeout, nftCommitRecord: NftCommitRecordFile(dir: state))
        report.backend = kind.rawValue
        return try overFreshRead(backend, policy, &report) { observed, report in
            let plan = SyncPlan(policy: policy, desired: lists, installed: observed.installed)
            report.record(plan, objects: backend.objects)
            guard !plan.isEmpty else { return .success }
            log.warning("\(command): cfsync's \(kind.rawValue) objects differ from the last applied state: \(Repair.missing(in: report).joined(separator: "; ")); re-installing")
            let before = try takeSnapshot(command, of: observed, backend)
            report.snapshot = before.id
            try Signals.deferred {
                try change(backend, undo: before) {
                    try verify(backend, plan, try backend.apply(plan, over: observed))
                }
            }
            report.result = .applied
            report.changed = true
            return settings.detailedExitcode ? .changes : .success
        }
    }
}
