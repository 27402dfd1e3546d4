/// Reads cfsync's rules out of ufw's rules files into the `InstalledState`
/// every plan is computed against. ufw keeps no tag in the kernel (comments
/// live only in the tuple lines), so the files are where cfsync's rules are
/// recognised; the backend separately checks that the kernel loaded them.
public enum UfwInstalled {
    /// `files` holds the rules file of each family ufw manages (no IPv6 entry
    /// when ufw has IPV6=no); `extraDifferences` are findings from outside the
    /// files (e.g. the kernel's chain disagrees with them).
    public static func state(policy: Policy, files: [Family: UfwRulesFile], extraDifferences: [String] = []) -> InstalledState {
        var lists = AddressLists()
        var differences: [String] = []
        var anyOwn = false
        for family in Family.allCases {
            guard let file = files[family] else { continue }
            let own = file.own
            anyOwn = anyOwn || !own.isEmpty
            let name = UfwLayout.rulesFile(family)
            var sources: [String] = []
            for block in own where block.rule.allows {
                if !sources.contains(block.rule.src) { sources.append(block.rule.src) }
            }
            switch family {
            case .ipv4:
                lists.ipv4 = sources.compactMap { try? IPv4Prefix(parsing: $0) }.sorted()
                if lists.ipv4.count != sources.count { differences.append("\(name): a cfsync rule's source is not an IPv4 prefix") }
            case .ipv6:
                lists.ipv6 = sources.compactMap { try? IPv6Prefix(parsing: $0) }.sorted()
                if lists.ipv6.count != sources.count { differences.append("\(name): a cfsync rule's source is not an IPv6 prefix") }
            }
            if !file.ownAreContiguous {
                differences.append("\(name): other rules sit between cfsync's rules")
            }
            let expected = UfwLayout.rules(policy, lists, family).map { UfwRulesFile.Block(cfsync: $0, family: family) }
            if own != expected {
                differences.append(describe(own: own, expected: expected, family: family, policy: policy))
            }
        }
        guard anyOwn else { return InstalledState(structure: .absent, lists: .empty) }
        differences += extraDifferences
        return InstalledState(structure: differences.isEmpty ? .matches : .differs(differences), lists: lists)
    }

    /// One line naming how cfsync's rules in a file differ from the policy.
    private static func describe(own: [UfwRulesFile.Block], expected: [UfwRulesFile.Block], family: Family, policy: Policy) -> String {
        let name = UfwLayout.rulesFile(family)
        if !policy.manages(family) { return "\(name): cfsync rules exist but \(family.name) is not managed" }
        let denies = own.filter { !$0.rule.allows }.count
        let wantDenies = expected.filter { !$0.rule.allows }.count
        if denies != wantDenies {
            switch policy.mode {
            case .lockdown: return "\(name): the lockdown deny is missing or duplicated"
            case .allow: return "\(name): a deny rule exists in allow mode"
            }
        }
        if Set(own.map(\.rule.dport)) != Set(expected.map(\.rule.dport)) {
            return "\(name): cfsync's rules protect other ports than \(policy.ports.map(String.init).joined(separator: ","))"
        }
        return "\(name): cfsync's rules are not in the expected order or form"
    }
}
