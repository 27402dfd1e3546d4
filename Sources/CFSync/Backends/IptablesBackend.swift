import CFSyncCore
import Foundation

/// iptables and ip6tables (nft or legacy variant), optionally with ipset: own
/// chains reached by jumps at the top of INPUT (and DOCKER-USER with
/// `--forward`), replaced through `iptables-restore --noflush`, one atomic step
/// per family; see `IptablesLayout` and `IptablesTransition`.
public struct IptablesBackend: Backend {
    public var kind: BackendKind { .iptables }
    public var objects: String {
        "iptables/ip6tables chains \(IptablesNames.inputChain) (+ \(IptablesNames.forwardChain)), their jumps, ipsets cfsync-v4/-v6"
    }
    public var variant: IptablesVariant { detection.variant }
    /// The variant and why it was chosen, decided once when the backend is made.
    public let detection: IptablesVariant.Detection
    /// `-w` of the legacy tools: how long they wait for `/run/xtables.lock`.
    let lockWait: Int
    /// A host whose ip6tables cannot read its filter table (IPv6 disabled, no ip6_tables)
    /// is managed IPv4-only: the Syncer narrows the policy and warns. Probed once, when the
    /// backend is made; no read asks again.
    public let unavailableFamilies: [Family: String]
    private let runner: CommandRunner

    /// Legacy xtables serialise changes with a flock on this file (Docker and
    /// fail2ban hold it while they work).
    static let xtablesLock = "/run/xtables.lock"

    /// `lockTimeout` (--lock-timeout) bounds the wait for the xtables lock; each
    /// tool's own time limit is `SystemCommandRunner.defaultTimeLimit` on top of it.
    public init(runner: CommandRunner? = nil, variant: IptablesVariant? = nil, lockTimeout: Double = Settings().lockTimeout,
                environment: [String: String] = ProcessEnvironment.named([IptablesVariant.overrideVariable])) throws {
        let runner = runner ?? SystemCommandRunner(timeLimit: SystemCommandRunner.defaultTimeLimit + lockTimeout)
        self.runner = runner
        // `-w 0` makes the legacy tools wait forever.
        lockWait = max(1, Int(lockTimeout.rounded(.up)))
        let detection = try variant.map { IptablesVariant.Detection(variant: $0, reason: "chosen by the caller") }
            ?? IptablesVariant.detect(runner: runner, environment: environment)
        self.detection = detection
        let v6 = detection.variant.tool(.ipv6, "save")
        let readable = (try? runner.run([v6, "-t", "filter"]))?.status == 0
        unavailableFamilies = readable ? [:] : [.ipv6: "\(v6) cannot read the filter table (IPv6 disabled?): managing IPv4 only"]
    }

    /// Reads both tables and cfsync's sets; the IPv6 table is nil where ip6tables cannot
    /// read it (`unavailableFamilies`). ipset that cannot be read only matters in ipset mode.
    public func read(ipset: Bool) throws -> IptablesState {
        let v4 = try IptablesTable(save: try runner.check([variant.tool(.ipv4, "save"), "-t", "filter"]))
        let v6 = try unavailableFamilies[.ipv6] == nil
            ? IptablesTable(save: try runner.check([variant.tool(.ipv6, "save"), "-t", "filter"])) : nil
        var sets: [IpsetSet] = []
        if let saved = try? runner.run(["ipset", "save"]), saved.status == 0 {
            sets = try IpsetSave.parse(saved.stdout)
        } else if ipset {
            _ = try runner.check(["ipset", "save"])
        }
        return IptablesState(ipv4: v4, ipv6: v6, sets: sets)
    }

    /// Every option: `--forward` through DOCKER-USER, `--ipset` with ipset `hash:net` sets.
    public func unenforceable(_ policy: Policy) -> String? { nil }

    /// One `*-save` per family (and `ipset save`): the plan and the snapshot of a run use it.
    public func observe(_ policy: Policy) throws -> Observation {
        let state = try read(ipset: policy.ipset)
        return Observation(installed: state.installed(policy), dump: { IptablesDump.render(state.ownObjects) })
    }

    /// For `doctor`: which iptables this is, and rules that accept a protected
    /// port from everyone before cfsync's jump.
    public func diagnose(_ policy: Policy) -> [Finding] {
        var findings = [Finding("iptables", .ok, "variant \(variant.rawValue) (\(variant.tool(.ipv4, "restore"))): \(detection.reason)")]
        for family in policy.families {
            let tool = IptablesNames.tool(family)
            do {
                let save = try runner.check([variant.tool(family, "save"), "-t", "filter"])
                findings += try IptablesFindings.mootRules(save: save, policy: policy, tool: tool).map { Finding(tool, .warning, $0) }
            } catch {
                findings.append(Finding(tool, .error, CFSyncError.classify(error).message))
            }
        }
        return findings
    }

    func transition(for plan: SyncPlan, _ state: IptablesState) -> IptablesTransition {
        IptablesTransition(from: state, to: IptablesLayout(policy: plan.policy).objects(plan.desired, current: state))
    }

    public func script(for plan: SyncPlan) -> String {
        do {
            return transition(for: plan, try read(ipset: plan.policy.ipset)).description
        } catch {
            return "# cannot read the current rules: \(CFSyncError.classify(error).message)\n"
        }
    }

    /// The transition from the tables as they are now, not as `observed`: iptables has no
    /// generation to refuse a stale change with, and a reload (firewalld, a Docker restart)
    /// between the read and the restore would make the transition wrong; a save costs a few
    /// milliseconds.
    public func apply(_ plan: SyncPlan, over observed: Observation) throws -> Applied {
        try run(transition(for: plan, try read(ipset: plan.policy.ipset)))
        return .unproven
    }

    public func snapshot() throws -> String {
        IptablesDump.render(try read(ipset: false).ownObjects)
    }

    public func restore(_ dump: String) throws {
        let desired = try IptablesDump.parse(dump)
        try run(IptablesTransition(from: try read(ipset: !desired.sets.isEmpty), to: desired))
    }

    /// Sets first (nothing references a new set yet), then each family's table in
    /// one commit, then destroys of sets nothing references any more. Legacy
    /// restores wait at most `lockWait` for the xtables lock; when sets change
    /// first, a read of INPUT takes the lock before them, so a held lock fails
    /// the run before anything changed.
    private func run(_ steps: IptablesTransition) throws {
        if variant.takesXtablesLock, !steps.ipsetBefore.isEmpty, let first = steps.restores.first {
            try takingLock([variant.command(first.family), "-w", String(lockWait), "-S", "INPUT"])
        }
        if !steps.ipsetBefore.isEmpty {
            do {
                try runner.check(["ipset", "restore"], stdin: steps.ipsetBefore)
            } catch {
                // ipset restore stops at the first failing line: leave no temp set behind.
                for temp in steps.tempSets { _ = try? runner.run(["ipset", "destroy", temp]) }
                throw error
            }
        }
        for (family, text) in steps.restores {
            let wait = variant.takesXtablesLock ? ["-w", String(lockWait)] : []
            try takingLock([variant.tool(family, "restore")] + wait + ["--noflush"], stdin: text)
        }
        if !steps.ipsetAfter.isEmpty {
            try runner.check(["ipset", "restore"], stdin: steps.ipsetAfter)
        }
    }

    /// Runs a command that takes the xtables lock: a lock still held after
    /// `lockWait` (the legacy tools exit 4 saying so) is exit 4 of cfsync.
    private func takingLock(_ argv: [String], stdin: String? = nil) throws {
        let result = try runner.run(argv, stdin: stdin)
        if variant.takesXtablesLock, result.status == 4, result.stderr.contains("xtables lock") {
            throw CFSyncError(.locked, "\(Self.xtablesLock) is held by another program (Docker? fail2ban?): "
                + "\(argv[0]) stopped waiting for it after \(lockWait) s (--lock-timeout)")
        }
        _ = try result.output(of: argv)
    }
}
