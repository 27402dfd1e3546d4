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
    public let variant: IptablesVariant
    private let runner: CommandRunner

    public init(runner: CommandRunner = SystemCommandRunner(), variant: IptablesVariant? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.runner = runner
        self.variant = try variant ?? IptablesVariant.detect(runner: runner, environment: environment)
    }

    /// Reads both tables and cfsync's sets. ip6tables that cannot be read (IPv6
    /// disabled) is nil; ipset that cannot be read only matters in ipset mode.
    public func read(ipset: Bool) throws -> IptablesState {
        let v4 = try IptablesTable(save: try runner.check([variant.tool(.ipv4, "save"), "-t", "filter"]))
        let v6Result = try? runner.run([variant.tool(.ipv6, "save"), "-t", "filter"])
        let v6 = try v6Result.flatMap { $0.status == 0 ? try IptablesTable(save: $0.stdout) : nil }
        var sets: [IpsetSet] = []
        if let saved = try? runner.run(["ipset", "save"]), saved.status == 0 {
            sets = try IpsetSave.parse(saved.stdout)
        } else if ipset {
            _ = try runner.check(["ipset", "save"])
        }
        return IptablesState(ipv4: v4, ipv6: v6, sets: sets)
    }

    /// A host whose ip6tables cannot read its filter table (IPv6 disabled, no
    /// ip6_tables) is managed IPv4-only: the Syncer narrows the policy and warns.
    public var unavailableFamilies: [Family: String] {
        let tool = variant.tool(.ipv6, "save")
        guard let result = try? runner.run([tool, "-t", "filter"]), result.status == 0 else {
            return [.ipv6: "\(tool) cannot read the filter table (IPv6 disabled?): managing IPv4 only"]
        }
        return [:]
    }

    public func observe(_ policy: Policy) throws -> InstalledState {
        try read(ipset: policy.ipset).installed(policy)
    }

    /// For `doctor`: which iptables this is, and rules that accept a protected
    /// port from everyone before cfsync's jump.
    public func diagnose(_ policy: Policy) -> [Finding] {
        var findings = [Finding("iptables", .ok, "variant \(variant.rawValue) (\(variant.tool(.ipv4, "restore")))")]
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

    public func apply(_ plan: SyncPlan) throws {
        try run(transition(for: plan, try read(ipset: plan.policy.ipset)))
    }

    public func snapshot() throws -> String {
        IptablesDump.render(try read(ipset: false).ownObjects)
    }

    public func restore(_ dump: String) throws {
        let desired = try IptablesDump.parse(dump)
        try run(IptablesTransition(from: try read(ipset: !desired.sets.isEmpty), to: desired))
    }

    /// Sets first (nothing references a new set yet), then each family's table in
    /// one commit, then destroys of sets nothing references any more.
    private func run(_ steps: IptablesTransition) throws {
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
            try runner.check([variant.tool(family, "restore"), "--noflush"], stdin: text)
        }
        if !steps.ipsetAfter.isEmpty {
            try runner.check(["ipset", "restore"], stdin: steps.ipsetAfter)
        }
    }
}
