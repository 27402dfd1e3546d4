/// For `doctor`: rules in INPUT that make the allowlist moot because they accept
/// a protected port from everyone before cfsync's jump is reached (or at all,
/// when the jump is missing). Pure: works on `iptables-save` text.
public enum IptablesFindings {
    public static func mootRules(save text: String, policy: Policy, tool: String = "iptables") throws -> [String] {
        let table = try IptablesTable(save: text)
        let rules = table.rules[IptablesNames.input] ?? []
        let jump = rules.firstIndex { IptablesTable.target(of: $0) == IptablesNames.inputChain }
        var found: [String] = []
        if jump == nil, table.exists {
            found.append("\(tool): no jump from INPUT to \(IptablesNames.inputChain); cfsync's rules are not reached")
        }
        for (index, spec) in rules.enumerated() where index < (jump ?? rules.count) {
            let ports = acceptedPorts(spec, policy)
            if !ports.isEmpty {
                found.append("\(tool): INPUT rule \(index + 1) `-A INPUT \(spec)` accepts tcp port "
                    + ports.map(String.init).joined(separator: ", ") + " from any source before cfsync's jump")
            }
        }
        return found
    }

    /// The protected ports an ACCEPT rule opens to every source; empty when it
    /// is narrower (a source, an interface, an established-only state match).
    static func acceptedPorts(_ spec: String, _ policy: Policy) -> [UInt16] {
        guard IptablesTable.target(of: spec) == "ACCEPT" else { return [] }
        let words = spec.split(separator: " ").map(String.init)
        func value(_ option: String) -> String? {
            guard let i = words.firstIndex(of: option), i + 1 < words.count else { return nil }
            return words[i + 1]
        }
        if value("-s") != nil || value("-i") != nil || value("--match-set") != nil { return [] }
        if let state = value("--ctstate") ?? value("--state"), !state.split(separator: ",").contains("NEW") { return [] }
        if let proto = value("-p"), proto != "tcp", proto != "6" { return [] }
        guard let list = value("--dport") ?? value("--dports") ?? value("--destination-port") else {
            return words.contains("--sport") || words.contains("--sports") ? [] : policy.ports
        }
        return policy.ports.filter { port in
            list.split(separator: ",").contains { item in
                let bounds = item.split(separator: ":").compactMap { UInt16($0) }
                if bounds.count == 2 { return (bounds[0]...bounds[1]).contains(port) }
                return bounds.first == port
            }
        }
    }
}
