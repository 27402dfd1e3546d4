/// Every name cfsync uses in ufw, in one place: the comment tag that marks
/// cfsync's rules, ufw's per-family chains and rules files, and the rule
/// shapes cfsync writes (derived from the policy alone).
public enum UfwLayout {
    /// Rules whose comment starts with this are cfsync's; nothing else is touched.
    public static let tag = "cfsync"
    /// Comment of each allow rule.
    public static let allowComment = "cfsync"
    /// Comment of the lockdown deny, so `ufw status` says why it is there.
    public static let lockdownComment = "cfsync lockdown"
    /// ufw accepts at most 15 ports in one rule (one iptables multiport match).
    public static let maxPortsPerRule = 15

    /// ufw's rules file for a family, relative to its config root (/etc/ufw).
    public static func rulesFile(_ family: Family) -> String {
        switch family {
        case .ipv4: "user.rules"
        case .ipv6: "user6.rules"
        }
    }

    /// The chain ufw loads user rules into.
    public static func inputChain(_ family: Family) -> String {
        switch family {
        case .ipv4: "ufw-user-input"
        case .ipv6: "ufw6-user-input"
        }
    }

    /// How ufw spells "any address" in a tuple.
    public static func anyAddress(_ family: Family) -> String {
        switch family {
        case .ipv4: "0.0.0.0/0"
        case .ipv6: "::/0"
        }
    }

    /// The protected ports in groups ufw accepts in one rule.
    public static func portGroups(_ policy: Policy) -> [[UInt16]] {
        stride(from: 0, to: policy.ports.count, by: maxPortsPerRule).map {
            Array(policy.ports[$0..<min($0 + maxPortsPerRule, policy.ports.count)])
        }
    }

    /// cfsync's rules for one family, in the order they must appear: one allow
    /// per prefix and port group, then (lockdown) the deny for the same ports.
    public static func rules(_ policy: Policy, _ sources: [String], _ family: Family) -> [UfwRule] {
        guard policy.manages(family) else { return [] }
        let groups = portGroups(policy)
        var rules: [UfwRule] = []
        for source in sources {
            for ports in groups {
                rules.append(.cfsync(.allow, ports: ports, source: source, family: family))
            }
        }
        switch policy.mode {
        case .lockdown:
            for ports in groups {
                rules.append(.cfsync(.deny, ports: ports, source: anyAddress(family), family: family))
            }
        case .allow:
            break
        }
        return rules
    }

    /// `rules` for the prefixes of `lists`.
    public static func rules(_ policy: Policy, _ lists: AddressLists, _ family: Family) -> [UfwRule] {
        switch family {
        case .ipv4: rules(policy, lists.ipv4.map(\.description), family)
        case .ipv6: rules(policy, lists.ipv6.map(\.description), family)
        }
    }
}
