/// The objects a policy asks for: all four ipsets (the active twin of each managed family
/// holding its prefixes, every other one empty) and the policy `cfsync` whose rich rules
/// accept each protected port from the active set and, in lockdown, drop it from every
/// other source. SSH and any port not protected are never named.
public struct FirewalldLayout: Sendable {
    public var policy: Policy

    public init(policy: Policy) {
        self.policy = policy
    }

    public func rules(_ family: Family, twin: FirewalldNames.Twin) -> [FirewalldRichRule] {
        let set = FirewalldNames.ipset(family, twin)
        let accepts = policy.ports.map { FirewalldRichRule(family: family, ipset: set, port: $0, action: .accept) }
        switch policy.mode {
        case .lockdown: return accepts + policy.ports.map { FirewalldRichRule(family: family, ipset: set, port: $0, action: .drop) }
        case .allow: return accepts
        }
    }

    public func objects(_ lists: AddressLists, twins: [Family: FirewalldNames.Twin]) -> FirewalldObjects {
        var objects = FirewalldObjects(policy: FirewalldObjects.Policy())
        for (family, twin) in FirewalldNames.ipsets {
            let active = policy.manages(family) && twins[family, default: .a] == twin
            objects.ipsets[FirewalldNames.ipset(family, twin)] = FirewalldObjects.Ipset(
                family: FirewalldNames.ipsetFamily(family),
                entries: active ? Set(lists.prefixes(family).descriptions) : [])
        }
        for family in policy.families {
            objects.policy?.richRules.formUnion(rules(family, twin: twins[family, default: .a]).map(\.text))
        }
        return objects
    }

    /// The target of `plan` over `runtime`: a family whose prefixes change moves to its idle
    /// twin (firewalld refuses overlapping entries and has no swap, so the new entries go into
    /// a set no rule points at yet); one whose prefixes stay keeps its set.
    public func target(_ desired: AddressLists, over runtime: FirewalldObjects) -> FirewalldObjects {
        var twins: [Family: FirewalldNames.Twin] = [:]
        for family in Family.allCases {
            let current = runtime.activeTwin(family)
            let entries = runtime.ipsets[FirewalldNames.ipset(family, current)]?.entries ?? []
            let same = entries == Set(desired.prefixes(family).descriptions)
            let referenced = runtime.referencedIpsets.contains(FirewalldNames.ipset(family, current))
            twins[family] = same || !referenced ? current : current.other
        }
        return objects(desired, twins: twins)
    }
}
