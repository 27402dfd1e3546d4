/// Finds ufw rules that make cfsync's allowlist moot: an allow for a protected
/// tcp port from sources outside the allowlist, placed where ufw reaches it
/// before cfsync's lockdown deny (in allow mode: anywhere). Pure, so `doctor`
/// can run it on the files as they are and `apply` on the files it writes.
public enum UfwShadowing {
    /// One line per such rule, numbered as `ufw status numbered` numbers it.
    public static func findings(files: [Family: UfwRulesFile], policy: Policy, allowlist: AddressLists) -> [String] {
        var found: [String] = []
        var number = 0
        for family in Family.allCases {
            guard let file = files[family] else { continue }
            var ownSeen = false
            for block in file.blocks {
                number += 1
                let rule = block.rule
                if rule.isCFSync {
                    ownSeen = true
                    continue
                }
                // In lockdown a rule after cfsync's run never sees the protected ports' traffic.
                switch policy.mode {
                case .lockdown where ownSeen: continue
                case .lockdown, .allow: break
                }
                guard policy.manages(family), opens(rule),
                      !covered(rule.src, family, allowlist) else { continue }
                let ports = policy.ports.filter { portMatches(rule.dport, $0) }
                guard !ports.isEmpty else { continue }
                let portText = ports.map(String.init).joined(separator: ",")
                let source = rule.src == UfwLayout.anyAddress(family) ? "anywhere" : rule.src
                let consequence = switch policy.mode {
                case .lockdown: "before cfsync's deny: lockdown is moot for them"
                case .allow: "anyway: the allowlist is moot for them"
                }
                found.append("ufw rule \(number) (\(rule.action) \(rule.proto) port \(rule.dport) from \(source)) accepts \(family.name) "
                    + "sources outside cfsync's list on tcp \(portText) " + consequence)
            }
        }
        return found
    }

    /// Accepts incoming tcp (allow and limit both accept; route rules do not reach INPUT).
    static func opens(_ rule: UfwRule) -> Bool {
        let accepts = rule.action.hasPrefix("allow") || rule.action.hasPrefix("limit")
        let inbound = rule.direction == "in" || rule.direction.hasPrefix("in_")
        return accepts && inbound && (rule.proto == "tcp" || rule.proto == "any")
    }

    /// `any`, `443`, `80,443`, `8000:9000` or a mix, as ufw stores ports.
    static func portMatches(_ spec: String, _ port: UInt16) -> Bool {
        if spec == "any" { return true }
        return spec.split(separator: ",").contains { item in
            let bounds = item.split(separator: ":").compactMap { UInt16($0) }
            switch bounds.count {
            case 1: return bounds[0] == port
            case 2: return (bounds[0]...max(bounds[0], bounds[1])).contains(port)
            default: return false
            }
        }
    }

    /// True when every source `src` admits is inside one allowlist prefix.
    static func covered(_ src: String, _ family: Family, _ allowlist: AddressLists) -> Bool {
        switch family {
        case .ipv4:
            guard let p = try? IPv4Prefix(parsing: src) else { return false }
            return allowlist.ipv4.contains { $0.contains(p) }
        case .ipv6:
            guard let p = try? IPv6Prefix(parsing: src) else { return false }
            return allowlist.ipv6.contains { $0.contains(p) }
        }
    }
}
