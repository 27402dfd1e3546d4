import CFSyncCore
import Logging

/// firewalld: ipsets `cfsync-v4`/`cfsync-v6` (and their idle twins `-b`) and a policy
/// `cfsync` (ANY → HOST, priority -100) whose rich rules accept the protected ports from the
/// active sets, in firewalld's runtime and permanent configuration alike, so a reload and a
/// reboot keep them. Everything goes through `firewall-cmd`; see `FirewalldTransition` for
/// the order of a change and when a reload is needed.
public struct FirewalldBackend: Backend {
    public var kind: BackendKind { .firewalld }
    public var objects: String {
        "firewalld policy \(FirewalldNames.policy) and ipsets cfsync-v4, cfsync-v6 (+ idle twins -b), runtime and permanent"
    }

    let runner: CommandRunner
    let log: Logger

    /// Refuses when firewalld is not running: cfsync never starts a firewall. `running`: the
    /// caller already asked (`auto`), so the question is not asked twice.
    public init(runner: CommandRunner = SystemCommandRunner(), running: Bool? = nil, log: Logger = Logger.cfsync(level: .warning)) throws {
        self.runner = runner
        self.log = log
        guard running ?? Self.isRunning(runner) else {
            throw CFSyncError.failed("--backend firewalld: firewalld is not running (firewall-cmd --state); "
                + "cfsync never starts a firewall: start firewalld yourself or use --backend nftables")
        }
    }

    /// `firewall-cmd --state` answers `running`; false when firewall-cmd is missing.
    public static func isRunning(_ runner: CommandRunner) -> Bool {
        guard let result = try? runner.run(["firewall-cmd", "--state"]) else { return false }
        return result.status == 0 && result.stdout.split(separator: "\n").first == "running"
    }

    /// firewalld filters both families with its own ipsets.
    public var unavailableFamilies: [Family: String] { [:] }

    /// The policy's ANY → HOST covers traffic to the host only, so cfsync has no forward path
    /// here; and the prefixes live in firewalld's own ipsets, which `--ipset` does not choose.
    public func unenforceable(_ policy: Policy) -> String? {
        if policy.forward {
            return "--forward: the firewalld backend cannot protect ports published to containers (its policy covers traffic to the host only); "
                + "use --backend nftables or iptables"
        }
        if policy.ipset {
            return "--ipset: the firewalld backend always keeps the prefixes in firewalld's own ipsets (cfsync-v4, cfsync-v6); "
                + "--ipset is for --backend iptables"
        }
        return nil
    }

    // MARK: reading

    /// cfsync's objects in the runtime and the permanent configuration: ten firewall-cmd calls.
    func read() throws -> FirewalldState {
        FirewalldState(runtime: try read(permanent: false), permanent: try read(permanent: true))
    }

    private func read(permanent: Bool) throws -> FirewalldObjects {
        let side = permanent ? ["firewall-cmd", "--permanent"] : ["firewall-cmd"]
        var objects = FirewalldObjects()
        for (family, twin) in FirewalldNames.ipsets {
            let name = FirewalldNames.ipset(family, twin)
            if let info = try info(side + ["--info-ipset=\(name)"], missing: "INVALID_IPSET") {
                objects.ipsets[name] = FirewalldObjects.ipset(info)
            }
        }
        if let info = try info(side + ["--info-policy=\(FirewalldNames.policy)"], missing: "INVALID_POLICY") {
            objects.policy = FirewalldObjects.policy(info)
        }
        return objects
    }

    /// The object `argv` describes; nil when firewalld says it does not exist.
    private func info(_ argv: [String], missing: String) throws -> FirewalldInfo? {
        let result = try runner.run(argv)
        if result.status != 0, result.stderr.contains(missing) { return nil }
        return try parsed { try FirewalldInfo.parse(try result.output(of: argv)) }
    }

    private func parsed<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FirewalldParseError {
            throw CFSyncError.failed(error.description)
        }
    }

    /// One read of both configurations; the snapshot is the runtime objects (the permanent
    /// ones while the runtime has none).
    public func observe(_ policy: Policy) throws -> Observation {
        let state = try read()
        return Observation(installed: state.installed(policy), dump: { Self.dump(state) }, record: state)
    }

    static func dump(_ state: FirewalldState) -> String {
        if state.isAbsent { return "" }
        return state.runtime.isEmpty ? state.permanent.dump : state.runtime.dump
    }

    public func snapshot() throws -> String {
        Self.dump(try read())
    }

    /// What a reload would discard besides cfsync's objects: runtime-only changes of the admin.
    func configDrift() throws -> [String] {
        func listing(_ side: [String]) throws -> FirewalldConfigDrift.Listing {
            FirewalldConfigDrift.Listing(zones: try runner.check(side + ["--list-all-zones"]),
                                         policies: try runner.check(side + ["--list-all-policies"]),
                                         ipsets: try runner.check(side + ["--get-ipsets"]))
        }
        let runtime = try listing(["firewall-cmd"]), permanent = try listing(["firewall-cmd", "--permanent"])
        return try parsed { try FirewalldConfigDrift.differences(runtime: runtime, permanent: permanent) }
    }

    // MARK: diagnosing

    /// For `doctor`: firewalld running, runtime = permanent, zones and other policies that open
    /// a protected port.
    public func diagnose(_ policy: Policy) -> [Finding] {
        var findings = [Finding("firewalld", .ok, "firewalld is running")]
        do {
            let drift = try configDrift()
            findings.append(drift.isEmpty
                ? Finding("firewalld runtime", .ok, "the runtime configuration equals the permanent one")
                : Finding("firewalld runtime", .warning, "runtime differs from the permanent configuration (" + drift.joined(separator: "; ")
                    + "): cfsync's first install and remove need a reload and refuse or leave inert objects until you run "
                    + "firewall-cmd --runtime-to-permanent (keep them) or firewall-cmd --reload (drop them)"))
            let zones = try parsed { try FirewalldInfo.parseAll(try runner.check(["firewall-cmd", "--list-all-zones"])) }
            let policies = try parsed { try FirewalldInfo.parseAll(try runner.check(["firewall-cmd", "--list-all-policies"])) }
            var servicePorts: [String: [String]] = [:]
            for service in Set((zones + policies).flatMap { $0.words("services") }) {
                let info = try parsed { try FirewalldInfo.parse(try runner.check(["firewall-cmd", "--info-service=\(service)"])) }
                servicePorts[service] = info.words("ports")
            }
            let defaultZone = try runner.check(["firewall-cmd", "--get-default-zone"]).split(separator: "\n").first.map(String.init) ?? ""
            findings += FirewalldFindings.findings(
                FirewalldFindings.openingZones(zones, defaultZone: defaultZone, servicePorts: servicePorts, policy: policy), mode: policy.mode)
            findings += FirewalldFindings.findings(
                policies: FirewalldFindings.openingPolicies(policies, servicePorts: servicePorts, policy: policy), mode: policy.mode)
        } catch {
            findings.append(Finding("firewalld", .error, CFSyncError.classify(error).message))
        }
        return findings
    }

    // MARK: changing

    public func script(for plan: SyncPlan) -> String {
        do {
            let state = try read()
            return FirewalldTransition(from: state, to: FirewalldLayout(policy: plan.policy).target(plan.desired, over: state.runtime)).description
        } catch {
            return "# cannot read firewalld's configuration: \(CFSyncError.classify(error).message)\n"
        }
    }

    /// Over the observed state, read once more first: firewalld has no generation to refuse a
    /// stale change with, and a plan made before another change (a `firewall-cmd --reload`
    /// during a watch's check) would fail its read-back, whose snapshot restore would then put
    /// the stale read back. Changed: nothing applied, the run reads and plans again.
    public func apply(_ plan: SyncPlan, over observed: Observation) throws -> Applied {
        guard let state = observed.record as? FirewalldState else {
            throw CFSyncError.failed("firewalld: apply over an observation of another backend")
        }
        guard try read() == state else { throw ChangedSinceObserved() }
        try run(FirewalldTransition(from: state, to: FirewalldLayout(policy: plan.policy).target(plan.desired, over: state.runtime)))
        return .unproven
    }

    public func restore(_ dump: String) throws {
        let target = try parsed { dump.isEmpty ? FirewalldObjects() : try FirewalldObjects(dump: dump) }
        try run(FirewalldTransition(from: try read(), to: target))
    }

    /// A reload is refused before anything changed when it would discard runtime-only changes
    /// of the admin; a removal then leaves cfsync's runtime objects inert instead.
    private func run(_ transition: FirewalldTransition) throws {
        switch transition.runtime {
        case .inStep(let phases):
            for step in phases.joined() { try check(step) }
            for step in transition.permanent { try check(step) }
        case .reload:
            let drift = try configDrift()
            guard drift.isEmpty else {
                throw RefusedBeforeChange("firewalld: the runtime configuration differs from the permanent one (" + drift.joined(separator: "; ")
                    + "); installing cfsync's ipsets and policy needs a firewall-cmd --reload, which would discard those changes: nothing changed. "
                    + "Keep them with firewall-cmd --runtime-to-permanent or drop them with firewall-cmd --reload, then run cfsync again")
            }
            for step in transition.permanent { try check(step) }
            try runner.check(["firewall-cmd", "--reload"])
        case .reloadOrInert(let steps):
            let drift = try configDrift()
            for step in transition.permanent { try check(step) }
            if drift.isEmpty {
                try runner.check(["firewall-cmd", "--reload"])
            } else {
                for step in steps { try check(step) }
                let left = "firewalld: runtime differs from the permanent configuration (\(drift.joined(separator: "; "))), so cfsync did not reload: "
                    + "its policy (no rules) and ipsets (no entries) stay in the runtime configuration, inert, until the next firewall-cmd --reload"
                log.warning("\(left)")
            }
        }
    }

    private func check(_ step: FirewalldTransition.Step) throws {
        try runner.check(step.argv, stdin: step.stdin)
    }
}
