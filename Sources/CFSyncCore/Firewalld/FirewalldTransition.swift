/// The firewall-cmd commands that take cfsync's objects from what firewalld holds to a target,
/// in an order that never leaves a protected port without its accepting set:
///
/// 1. the sets no rule uses yet get their entries (the idle twin; firewalld refuses
///    overlapping entries, so the sets the rules use are never edited while in use);
/// 2. the new rules are added, accepts before drops;
/// 3. the old rules go, drops before accepts;
/// 4. the sets no rule uses any more are emptied.
///
/// At every step the union of the accepted sources contains every source both the old and
/// the new state accept. The same target is written into the permanent configuration, so
/// `firewall-cmd --reload` and a reboot keep it. ipsets and policies cannot be created in the
/// runtime configuration: a target that needs one the runtime lacks is written to the
/// permanent configuration and made runtime by a reload.
public struct FirewalldTransition: Equatable, Sendable {
    public struct Step: Equatable, Sendable, CustomStringConvertible {
        public var argv: [String]
        public var stdin: String?

        public init(_ argv: [String], stdin: String? = nil) {
            self.argv = argv
            self.stdin = stdin
        }

        public var description: String {
            argv.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ") + (stdin.map { " <<EOF\n\($0)EOF" } ?? "")
        }
    }

    /// How the runtime configuration gets to the target.
    public enum Runtime: Equatable, Sendable {
        /// Edited in step with the permanent one: the phases' commands, in order.
        case inStep([[Step]])
        /// The runtime lacks an ipset or the policy: only `firewall-cmd --reload` makes the
        /// permanent configuration's new objects runtime.
        case reload
        /// Removing everything: a reload deletes the objects; where a reload would also
        /// discard the admin's runtime-only changes, these commands leave them inert (no rule,
        /// no entry) until the next reload instead.
        case reloadOrInert([Step])
    }

    public var permanent: [Step]
    public var runtime: Runtime

    static let tool = "firewall-cmd"

    public init(from state: FirewalldState, to target: FirewalldObjects) {
        permanent = Self.permanentSteps(from: state.permanent, to: target)
        if target.isEmpty {
            runtime = state.runtime.isEmpty ? .inStep([]) : .reloadOrInert(Self.inStep(from: state.runtime, to: FirewalldObjects()))
        } else if Set(target.ipsets.keys).isSubset(of: state.runtime.ipsets.keys), state.runtime.policy != nil {
            runtime = .inStep(Self.phases(from: state.runtime, to: target).map { Self.inStep(from: $0.0, to: $0.1) })
        } else {
            runtime = .reload
        }
    }

    /// The whole transition as the commands it runs, for `plan`'s debug log and tests.
    public var description: String {
        var lines = permanent.map(\.description)
        switch runtime {
        case .inStep(let phases): lines += phases.flatMap { $0.map(\.description) }
        case .reload: lines.append("\(Self.tool) --reload")
        case .reloadOrInert(let steps): lines.append("\(Self.tool) --reload   # or, when runtime ≠ permanent:")
            lines += steps.map { "# " + $0.description }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    // MARK: runtime

    /// One phase, or two when the target fills a set the rules use now with other entries
    /// (a snapshot restore): first to the other twin, then back.
    static func phases(from runtime: FirewalldObjects, to target: FirewalldObjects) -> [(FirewalldObjects, FirewalldObjects)] {
        let inUse = runtime.referencedIpsets.intersection(target.referencedIpsets).filter {
            runtime.ipsets[$0]?.entries != target.ipsets[$0]?.entries
        }
        guard !inUse.isEmpty else { return [(runtime, target)] }
        var middle = target
        for name in inUse {
            guard let (family, twin) = FirewalldNames.ipsets.first(where: { FirewalldNames.ipset($0.0, $0.1) == name }) else { continue }
            let other = FirewalldNames.ipset(family, twin.other)
            middle.ipsets[other]?.entries = target.ipsets[name]?.entries ?? []
            middle.ipsets[name]?.entries = []
            let moved = (middle.policy?.richRules ?? []).map { text in
                guard var rule = FirewalldRichRule(parsing: text), rule.ipset == name else { return text }
                rule.ipset = other
                return rule.text
            }
            middle.policy?.richRules = Set(moved)
        }
        return [(runtime, middle), (middle, target)]
    }

    static func inStep(from current: FirewalldObjects, to target: FirewalldObjects) -> [Step] {
        var steps: [Step] = []
        let names = current.ipsets.keys.sorted()
        let before = current.referencedIpsets, after = target.referencedIpsets
        if let have = current.policy, let want = target.policy {
            steps += attributeSteps(from: have, to: want, permanent: false)
        }
        for name in names where !before.contains(name) {
            steps += entrySteps(name, from: current.ipsets[name]?.entries ?? [], to: target.ipsets[name]?.entries ?? [], permanent: false)
        }
        steps += ruleSteps(from: current.policy?.richRules ?? [], to: target.policy?.richRules ?? [], permanent: false)
        for name in names where before.contains(name) && !after.contains(name) {
            steps += entrySteps(name, from: current.ipsets[name]?.entries ?? [], to: target.ipsets[name]?.entries ?? [], permanent: false)
        }
        return steps
    }

    // MARK: permanent

    static func permanentSteps(from current: FirewalldObjects, to target: FirewalldObjects) -> [Step] {
        var steps: [Step] = []
        for (family, twin) in FirewalldNames.ipsets {
            let name = FirewalldNames.ipset(family, twin)
            guard let set = target.ipsets[name], current.ipsets[name] == nil else { continue }
            steps.append(Step([tool, "--permanent", "--new-ipset=\(name)", "--type=\(set.type)", "--option=family=\(set.family)"]))
        }
        if let want = target.policy {
            var have = current.policy
            if have == nil {
                steps.append(Step([tool, "--permanent", "--new-policy=\(FirewalldNames.policy)"]))
                // What firewalld gives a new policy.
                have = FirewalldObjects.Policy(priority: "-1", target: "CONTINUE", ingress: [], egress: [])
            }
            if let have { steps += attributeSteps(from: have, to: want, permanent: true) }
        }
        for name in target.ipsets.keys.sorted() {
            steps += entrySteps(name, from: current.ipsets[name]?.entries ?? [], to: target.ipsets[name]?.entries ?? [], permanent: true)
        }
        if target.policy != nil {
            steps += ruleSteps(from: current.policy?.richRules ?? [], to: target.policy?.richRules ?? [], permanent: true)
        } else if current.policy != nil {
            steps.append(Step([tool, "--permanent", "--delete-policy=\(FirewalldNames.policy)"]))
        }
        for name in current.ipsets.keys.sorted() where target.ipsets[name] == nil {
            steps.append(Step([tool, "--permanent", "--delete-ipset=\(name)"]))
        }
        return steps
    }

    // MARK: shared

    static func prefix(_ permanent: Bool) -> [String] { permanent ? [tool, "--permanent"] : [tool] }

    static func attributeSteps(from have: FirewalldObjects.Policy, to want: FirewalldObjects.Policy, permanent: Bool) -> [Step] {
        let policy = "--policy=\(FirewalldNames.policy)"
        var steps: [Step] = []
        // firewall-cmd takes one attribute option a call.
        func set(_ option: String) { steps.append(Step(prefix(permanent) + [policy, option])) }
        for zone in have.ingress where !want.ingress.contains(zone) { set("--remove-ingress-zone=\(zone)") }
        for zone in have.egress where !want.egress.contains(zone) { set("--remove-egress-zone=\(zone)") }
        for zone in want.ingress where !have.ingress.contains(zone) { set("--add-ingress-zone=\(zone)") }
        for zone in want.egress where !have.egress.contains(zone) { set("--add-egress-zone=\(zone)") }
        if have.priority != want.priority { set("--set-priority=\(want.priority)") }
        if have.target != want.target { set("--set-target=\(want.target)") }
        for key in Set(have.other.keys).union(want.other.keys).sorted() {
            guard let option = otherOptions[key] else { continue }
            let had = words(have.other[key]), wanted = words(want.other[key])
            if option == "masquerade" {
                if had != wanted { set(wanted == ["yes"] ? "--add-masquerade" : "--remove-masquerade") }
                continue
            }
            for word in had where !wanted.contains(word) { set("--remove-\(option)=\(word)") }
            for word in wanted where !had.contains(word) { set("--add-\(option)=\(word)") }
        }
        return steps
    }

    /// The option that edits each of a policy's other settings (anyone may add a service to
    /// cfsync's policy; a snapshot gives it back).
    static let otherOptions = ["services": "service", "ports": "port", "protocols": "protocol", "masquerade": "masquerade",
                               "forward-ports": "forward-port", "source-ports": "source-port", "icmp-blocks": "icmp-block"]

    static func words(_ value: String?) -> [String] {
        (value ?? "").split(separator: " ").map(String.init)
    }

    /// Removals first: a set never holds two overlapping entries (firewalld refuses them).
    static func entrySteps(_ name: String, from have: Set<String>, to want: Set<String>, permanent: Bool) -> [Step] {
        var steps: [Step] = []
        let gone = have.subtracting(want), new = want.subtracting(have)
        if !gone.isEmpty {
            steps.append(Step(prefix(permanent) + ["--ipset=\(name)", "--remove-entries-from-file=/dev/stdin"], stdin: lines(gone)))
        }
        if !new.isEmpty {
            steps.append(Step(prefix(permanent) + ["--ipset=\(name)", "--add-entries-from-file=/dev/stdin"], stdin: lines(new)))
        }
        return steps
    }

    /// Additions (accepts first) in one call, then removals (drops first) in one call.
    static func ruleSteps(from have: Set<String>, to want: Set<String>, permanent: Bool) -> [Step] {
        let policy = "--policy=\(FirewalldNames.policy)"
        var steps: [Step] = []
        let new = want.subtracting(have).sorted(by: FirewalldObjects.ruleOrder)
        let gone = have.subtracting(want).sorted(by: FirewalldObjects.ruleOrder).reversed()
        if !new.isEmpty { steps.append(Step(prefix(permanent) + [policy] + new.map { "--add-rich-rule=\($0)" })) }
        if !gone.isEmpty { steps.append(Step(prefix(permanent) + [policy] + gone.map { "--remove-rich-rule=\($0)" })) }
        return steps
    }

    static func lines(_ entries: Set<String>) -> String {
        entries.sorted().map { $0 + "\n" }.joined()
    }
}
