/// cfsync's firewalld objects on one side (runtime or permanent), as firewall-cmd reports
/// them: its ipsets with their entries, and its policy. Also the text of a snapshot: the
/// objects' `--info-ipset` / `--info-policy` blocks, read back with the same parser.
public struct FirewalldObjects: Equatable, Sendable {
    public struct Ipset: Equatable, Sendable {
        public var type: String
        /// The `family=` option: `inet` or `inet6`.
        public var family: String
        public var entries: Set<String>

        public init(type: String = FirewalldNames.ipsetType, family: String, entries: Set<String> = []) {
            self.type = type
            self.family = family
            self.entries = entries
        }
    }

    public struct Policy: Equatable, Sendable {
        public var priority: String
        public var target: String
        public var ingress: [String]
        public var egress: [String]
        public var richRules: Set<String>
        /// Anything else set on cfsync's policy (services, ports, masquerade …): drift.
        public var other: [String: String]

        public init(priority: String = String(FirewalldNames.priority), target: String = FirewalldNames.target,
                    ingress: [String] = [FirewalldNames.ingressZone], egress: [String] = [FirewalldNames.egressZone],
                    richRules: Set<String> = [], other: [String: String] = [:]) {
            self.priority = priority
            self.target = target
            self.ingress = ingress
            self.egress = egress
            self.richRules = richRules
            self.other = other
        }

        /// Same attributes, whatever the rules.
        public func sameShape(as other: Policy) -> Bool {
            priority == other.priority && target == other.target && ingress == other.ingress && egress == other.egress
                && self.other == other.other
        }
    }

    public var ipsets: [String: Ipset]
    public var policy: Policy?

    public init(ipsets: [String: Ipset] = [:], policy: Policy? = nil) {
        self.ipsets = ipsets
        self.policy = policy
    }

    public var isEmpty: Bool { ipsets.isEmpty && policy == nil }

    /// What a runtime-only removal leaves until the next reload: empty sets and a policy
    /// without rules filter nothing, so they count as no objects at all.
    public var isInert: Bool {
        ipsets.values.allSatisfy(\.entries.isEmpty) && (policy?.richRules.isEmpty ?? true)
    }

    /// The ipset a family's rules point at: the twin that cfsync's rich rules name (`a` when none does).
    public func activeTwin(_ family: Family) -> FirewalldNames.Twin {
        let rules = (policy?.richRules ?? []).compactMap(FirewalldRichRule.init(parsing:)).filter { $0.family == family }
        if rules.contains(where: { $0.ipset == FirewalldNames.ipset(family, .b) && $0.action == .accept }) { return .b }
        return .a
    }

    /// The ipsets some rich rule names.
    public var referencedIpsets: Set<String> {
        Set((policy?.richRules ?? []).compactMap { FirewalldRichRule(parsing: $0)?.ipset })
    }

    // MARK: firewall-cmd's blocks

    static let policyKeys = ["priority", "target", "ingress-zones", "egress-zones", "services", "ports", "protocols",
                             "masquerade", "forward-ports", "source-ports", "icmp-blocks"]
    static let quietPolicyValues: [String: String] = ["masquerade": "no"]

    public static func ipset(_ info: FirewalldInfo) -> Ipset {
        let options = Dictionary(info.words("options").map { word -> (String, String) in
            let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
            return (pair[0], pair.count > 1 ? pair[1] : "")
        }, uniquingKeysWith: { $1 })
        return Ipset(type: info.fields["type"] ?? "", family: options["family"] ?? "inet", entries: Set(info.words("entries")))
    }

    public static func policy(_ info: FirewalldInfo) -> Policy {
        var other: [String: String] = [:]
        for key in policyKeys.dropFirst(4) {
            if let value = info.fields[key], !value.isEmpty, quietPolicyValues[key] != value { other[key] = value }
        }
        return Policy(priority: info.fields["priority"] ?? "", target: info.fields["target"] ?? "",
                      ingress: info.words("ingress-zones"), egress: info.words("egress-zones"),
                      richRules: Set(info.richRules), other: other)
    }

    /// The snapshot text: ipsets in a fixed order, then the policy, as firewall-cmd prints them
    /// (entries sorted); "" when there are none.
    public var dump: String {
        var text = ""
        for (family, twin) in FirewalldNames.ipsets {
            let name = FirewalldNames.ipset(family, twin)
            guard let set = ipsets[name] else { continue }
            text += "\(name)\n  type: \(set.type)\n  options: family=\(set.family)\n  entries: \(set.entries.sorted().joined(separator: " "))\n"
        }
        if let policy {
            var fields: [String: String] = ["priority": policy.priority, "target": policy.target,
                                            "ingress-zones": policy.ingress.joined(separator: " "),
                                            "egress-zones": policy.egress.joined(separator: " ")]
            fields.merge(policy.other) { $1 }
            for (key, value) in Self.quietPolicyValues where fields[key] == nil { fields[key] = value }
            text += FirewalldInfo(name: FirewalldNames.policy, fields: fields,
                                  richRules: policy.richRules.sorted { Self.ruleOrder($0, $1) }).render(keys: Self.policyKeys)
        }
        return text
    }

    /// Reads a snapshot text back; throws on anything that is not one of cfsync's objects.
    public init(dump: String) throws {
        self.init()
        for info in try FirewalldInfo.parseAll(dump) {
            if info.name == FirewalldNames.policy {
                policy = Self.policy(info)
            } else if FirewalldNames.ipsets.contains(where: { FirewalldNames.ipset($0.0, $0.1) == info.name }) {
                ipsets[info.name] = Self.ipset(info)
            } else {
                throw FirewalldParseError(line: info.name)
            }
        }
    }

    /// cfsync's rules in the order they are added; other text last.
    static func ruleOrder(_ lhs: String, _ rhs: String) -> Bool {
        switch (FirewalldRichRule(parsing: lhs), FirewalldRichRule(parsing: rhs)) {
        case let (l?, r?): l < r
        case (.some, nil): true
        case (nil, .some): false
        case (nil, nil): lhs < rhs
        }
    }
}
