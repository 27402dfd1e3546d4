/// Every name and rule cfsync owns in nftables, derived from the policy alone.
/// The same rule text builds the chain and is what `nft -t list table` prints
/// back, so structure drift is a plain text comparison.
public struct NftLayout: Equatable, Sendable {
    public static let family = "inet"
    public static let table = "cfsync"
    public static let chain = "input"
    public static let chainSpec = "type filter hook input priority filter - 10; policy accept;"
    /// With `--forward`: connections the host DNATs to published container ports.
    public static let forwardChain = "forward"
    public static let forwardChainSpec = "type filter hook forward priority filter - 10; policy accept;"

    public static func setName(_ family: Family) -> String {
        switch family {
        case .ipv4: "allow_v4"
        case .ipv6: "allow_v6"
        }
    }

    static func setType(_ family: Family) -> String {
        switch family {
        case .ipv4: "ipv4_addr"
        case .ipv6: "ipv6_addr"
        }
    }

    static func saddr(_ family: Family) -> String {
        switch family {
        case .ipv4: "ip saddr"
        case .ipv6: "ip6 saddr"
        }
    }

    public let policy: Policy

    public init(policy: Policy) { self.policy = policy }

    /// `tcp dport 443` or `tcp dport { 80, 443 }`, as nft prints it.
    var dport: String {
        let ports = policy.ports.map(String.init)
        return ports.count == 1 ? "tcp dport \(ports[0])" : "tcp dport { \(ports.joined(separator: ", ")) }"
    }

    /// The chain's rules in order. Loopback is exempt so local health checks and
    /// proxies keep working in lockdown; accepts come before the drops.
    public var rules: [String] {
        var rules = [#"iifname "lo" accept"#]
        for family in policy.families {
            rules.append("\(dport) \(Self.saddr(family)) @\(Self.setName(family)) accept")
        }
        switch policy.mode {
        case .lockdown:
            for family in policy.families {
                rules.append("meta nfproto \(family.rawValue) \(dport) drop")
            }
        case .allow:
            break
        }
        return rules
    }

    /// The forward chain's rules. Only connections the host DNATed (`ct status dnat`: a
    /// published port) are judged, on their ORIGINAL destination port (before DNAT to the
    /// container) and in the original direction only, so replies pass. Everything else
    /// forwarded (a container's own outbound connections, container to container, routed
    /// traffic) never matches, whatever its port. One port a rule: nft 1.0.6 cannot print a
    /// set of `ct original proto-dst` values back.
    public var forwardRules: [String] {
        guard policy.forward else { return [] }
        let published = "ct status dnat ct direction original"
        var rules: [String] = []
        for port in policy.ports {
            for family in policy.families {
                rules.append("\(published) meta l4proto tcp ct original proto-dst \(port) \(Self.saddr(family)) @\(Self.setName(family)) accept")
            }
        }
        switch policy.mode {
        case .lockdown:
            for port in policy.ports {
                for family in policy.families {
                    rules.append("\(published) meta nfproto \(family.rawValue) meta l4proto tcp ct original proto-dst \(port) drop")
                }
            }
        case .allow:
            break
        }
        return rules
    }

    /// Exactly what `nft -t list table inet cfsync` prints for this layout.
    public var terseListing: String {
        var out = "table \(Self.family) \(Self.table) {\n"
        for family in policy.families {
            out += "\tset \(Self.setName(family)) {\n"
            out += "\t\ttype \(Self.setType(family))\n"
            out += "\t\tflags interval\n"
            out += "\t}\n\n"
        }
        out += "\tchain \(Self.chain) {\n"
        out += "\t\t\(Self.chainSpec)\n"
        for rule in rules { out += "\t\t\(rule)\n" }
        out += "\t}\n"
        if policy.forward {
            out += "\n\tchain \(Self.forwardChain) {\n"
            out += "\t\t\(Self.forwardChainSpec)\n"
            for rule in forwardRules { out += "\t\t\(rule)\n" }
            out += "\t}\n"
        }
        out += "}\n"
        return out
    }

    /// Compares a terse listing read from the kernel with this layout and names
    /// each difference; empty when they match.
    public func differences(fromTerseListing listing: String) -> [String] {
        guard listing != terseListing else { return [] }
        var found: [String] = []
        let want = NftListing(terseListing)
        let have = NftListing(listing)
        for name in want.blocks.keys.sorted() where have.blocks[name] == nil {
            found.append("\(name) is missing")
        }
        for name in have.blocks.keys.sorted() where want.blocks[name] == nil {
            found.append("\(name) is not expected")
        }
        for name in want.blocks.keys.sorted() {
            if let h = have.blocks[name], let w = want.blocks[name], h != w {
                found.append("\(name) differs")
            }
        }
        return found.isEmpty ? ["table \(Self.family) \(Self.table) differs"] : found
    }
}

/// The blocks (`set allow_v4`, `chain input`) of a terse `nft list table` text.
struct NftListing {
    var blocks: [String: [String]] = [:]

    init(_ text: String) {
        var current: String?
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: " \t")
            if current == nil, line.hasSuffix(" {"), line.hasPrefix("set ") || line.hasPrefix("chain ") {
                let name = String(line.dropLast(2))
                current = name
                blocks[name] = []
            } else if line == "}" {
                current = nil
            } else if let name = current {
                blocks[name, default: []].append(line)
            }
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = self
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
