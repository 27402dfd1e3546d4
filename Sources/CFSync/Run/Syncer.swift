import CFSyncCore
import Foundation
import Logging

/// Runs one command end to end: lists -> guards -> desired state, kernel ->
/// installed state, plan, and for `apply` the transaction and its read-back,
/// inside the safety net of a snapshot.
public struct Syncer {
    public let settings: Settings
    let state: StateDirectory
    /// A backend given by tests; otherwise `--backend` decides.
    let injected: Backend?
    let environment: [String: String]
    let log: Logger

    public init(settings: Settings, backend: Backend? = nil, environment: [String: String] = ProcessEnvironment.named(["SSH_CONNECTION"])) {
        self.settings = settings
        state = StateDirectory(path: settings.stateDir)
        injected = backend
        self.environment = environment
        log = Logger.cfsync(level: settings.logLevel)
    }

    /// The outcome of a command: what to print and how to exit.
    public struct Outcome {
        public var report: Report
        public var exit: CFSyncExit

        public init(report: Report, exit: CFSyncExit) {
            self.report = report
            self.exit = exit
        }
    }

    var resolver: ListResolver { ListResolver(settings: settings, cache: lists, log: log) }
    var lists: ListCache { ListCache(dir: state) }
    var snapshots: SnapshotStore { SnapshotStore(dir: state, keep: settings.keepSnapshots) }
    var applied: AppliedStateStore { AppliedStateStore(dir: state) }

    public func plan() -> Outcome {
        run("plan") { report in
            let backend = try choose(&report)
            let accepted = try resolver.fetch()
            let (plan, observed) = try planAgainstKernel(accepted, backend, &report)
            report.result = .planned
            let saved = SavedPlan(backend: backend.kind, plan: plan, allow: settings.allow, installed: observed.installed.lists,
                                  installedDump: try observed.dump(), lists: accepted.managed)
            try keep(saved, report: &report)
            return plan.isEmpty || !settings.detailedExitcode ? .success : .changes
        }
    }

    public func apply() -> Outcome {
        let outcome = run("apply") { report in
            if let path = settings.plan { return try applySaved(path, &report) }
            let backend = try choose(&report)
            if settings.jitter > 0 { Thread.sleep(forTimeInterval: Double.random(in: 0...settings.jitter)) }
            // Fetch and guards first: a refused list leaves the state dir untouched.
            let accepted: ListResolver.Accepted
            do {
                accepted = try resolver.fetch()
            } catch is ListResolver.NothingAccepted {
                report.result = .unchanged
                report.note = "nothing to apply: no list was ever accepted in \(state.path)"
                return .success
            }
            report.sources = accepted.sources
            try state.ensureExists()
            let lock = try StateLock.acquire(in: state, timeout: settings.lockTimeout)
            defer { lock.release() }
            try Failpoint.holdLock.hit()
            let policy = try self.policy(for: backend)
            let desired = desired(accepted.lists, policy)
            return try overFreshRead(backend, policy, &report) { observed, report in
                let plan = SyncPlan(policy: policy, desired: desired, installed: observed.installed)
                return try commit(plan, over: observed, backend, accepting: accepted.bodies, &report)
            }
        }
        if let path = settings.metricsFile {
            do {
                try MetricsFile(path: path).write(outcome.report, exit: outcome.exit)
            } catch {
                log.warning("--metrics-file \(path): \(CFSyncError.classify(error).message)")
            }
        }
        return outcome
    }

    /// The shared end of every apply: SSH guard, snapshot of `observed`, the backend's apply
    /// over it, verification, accepted lists kept; any failure after the commit restores the
    /// snapshot. `ChangedSinceObserved` passes through: nothing was applied.
    func commit(_ plan: SyncPlan, over observed: Observation, _ backend: Backend, accepting bodies: [CachedList],
                _ report: inout Report) throws -> CFSyncExit {
        report.record(plan, objects: backend.objects)
        report.warnings += backend.warnings(for: plan, over: observed)
        log.info("plan: \(report.addedCount) to add, \(report.removedCount) to remove\(plan.structure == .none ? "" : ", " + report.structural.joined(separator: "; "))")
        if !settings.force, let reason = SSHGuard.violation(sshConnection: environment["SSH_CONNECTION"], policy: plan.policy, desired: plan.desired) {
            throw CFSyncError.refused(reason)
        }
        if plan.isEmpty {
            try recordAccepted(plan, backend, bodies)
            report.result = .unchanged
            return .success
        }
        let before = try takeSnapshot("apply", of: observed, backend)
        report.snapshot = before.id
        if let seconds = settings.confirm {
            // Until confirmed, a signal means "undo", not "leave it as it is".
            Signals.block()
            try change(backend, undo: before) {
                try applyVerified(plan, over: observed, backend, accepting: bodies)
            }
            report.result = .applied
            report.changed = true
            try awaitConfirmation(seconds, backend: backend, undo: before, report: &report)
        } else {
            try Signals.deferred {
                try change(backend, undo: before) {
                    try applyVerified(plan, over: observed, backend, accepting: bodies)
                }
            }
            report.result = .applied
            report.changed = true
        }
        return settings.detailedExitcode ? .changes : .success
    }

    /// Compares the kernel with the last accepted lists and the configuration;
    /// no fetch. Drift exits 2 and names each difference.
    public func status() -> Outcome {
        run("status") { report in
            let backend = try choose(&report)
            let (_, observed) = try planAgainstKernel(try resolver.lastAccepted(), backend, &report)
            var drift: [String] = []
            switch observed.installed.structure {
            case .absent: drift.append("cfsync's firewall objects are missing")
            case .matches: break
            case .differs(let items): drift += items
            }
            for (family, change) in report.changes.sorted(by: { $0.key < $1.key }) {
                drift += change.add.map { "\(family.rawValue): \($0) is missing" }
                drift += change.remove.map { "\(family.rawValue): \($0) is installed but not in the accepted list" }
            }
            report.inSync = drift.isEmpty
            report.drift = drift
            report.result = drift.isEmpty ? .unchanged : .planned
            return drift.isEmpty ? .success : .changes
        }
    }

    /// The plan from `accepted` lists to what the kernel holds now, recorded in the report.
    private func planAgainstKernel(_ accepted: ListResolver.Accepted, _ backend: Backend, _ report: inout Report) throws -> (SyncPlan, Observation) {
        report.sources = accepted.sources
        let policy = try self.policy(for: backend)
        let observed = try backend.observe(policy)
        let plan = SyncPlan(policy: policy, desired: desired(accepted.lists, policy), installed: observed.installed)
        report.record(plan, objects: backend.objects)
        report.warnings += backend.warnings(for: plan, over: observed)
        return (plan, observed)
    }

    private func applyVerified(_ plan: SyncPlan, over observed: Observation, _ backend: Backend, accepting bodies: [CachedList]) throws {
        log.debug("\(backend.kind.rawValue) script:\n\(backend.script(for: plan))")
        let applied = try backend.apply(plan, over: observed)
        try Failpoint.afterApply.hit()
        try verify(backend, plan, applied)
        try recordAccepted(plan, backend, bodies)
    }

    /// After a verified (or empty) plan: its lists become the accepted ones, and what it
    /// installed becomes the state `restore` and `watch` put back.
    private func recordAccepted(_ plan: SyncPlan, _ backend: Backend, _ bodies: [CachedList]) throws {
        try lists.store(bodies)
        try applied.save(.installed(backend: backend.kind, policy: plan.policy, lists: plan.desired))
    }

    /// Checks the kernel holds exactly what the plan asked for: proven by the backend's own
    /// commit (`Applied.proven`), else read back.
    func verify(_ backend: Backend, _ plan: SyncPlan, _ applied: Applied) throws {
        if applied == .proven {
            log.info("applied; the kernel's answers prove the plan (no read-back)")
            return
        }
        let after = try backend.observe(plan.policy).installed
        guard after.structure == .matches, after.lists == plan.desired else {
            throw CFSyncError.failed("read-back after apply does not match the plan (\(backend.kind.rawValue))")
        }
        log.info("applied; read-back matches the plan")
    }

    func choose(_ report: inout Report) throws -> Backend {
        let backend: Backend
        if let injected {
            backend = injected
        } else {
            let choice = try BackendSelection.choose(settings.backend, lockTimeout: settings.lockTimeout, nftCommitRecord: NftCommitRecordFile(dir: state))
            log.info("backend \(choice.backend.kind.rawValue) (\(choice.reason))")
            backend = choice.backend
        }
        report.backend = backend.kind.rawValue
        report.backendPolicy(settings.policy)
        // Before any fetch or state-dir write: an option the backend cannot enforce is a usage error.
        _ = try policy(for: backend)
        report.warnings += familyWarnings(backend)
        switch (settings.mode, backend.kind) {
        case (.lockdown, _):
            break
        case (.allow, .nftables):
            report.warnings.append(
                "allow mode: an accept in table inet cfsync does not override a drop in another table; the host's own rules decide the rest")
        case (.allow, .firewalld):
            report.warnings.append(
                "allow mode: an accept in firewalld's policy cfsync does not override a drop in another nftables table or in iptables; "
                    + "the host's own rules decide the rest")
        case (.allow, .iptables), (.allow, .ufw):
            // cfsync's accepts sit in the chains the host's own rules use (INPUT, ufw's user chains).
            break
        }
        return backend
    }

    func run(_ command: String, _ body: (inout Report) throws -> CFSyncExit) -> Outcome {
        var report = Report(command: command)
        do {
            let exit = try body(&report)
            return Outcome(report: report, exit: exit)
        } catch {
            let failure = CFSyncError.classify(error)
            if report.result != .rolledBack {
                report.result = failure.exit == .refused ? .refused : .error
                report.changed = false
            }
            report.error = failure.message
            return Outcome(report: report, exit: failure.exit)
        }
    }
}
