/// Every iptables chain and ipset name cfsync uses, in one place. Own objects
/// are recognisable by name (spec: chains `CFSYNC…`, sets `cfsync…`); the one
/// foreign name, `DOCKER-USER`, is Docker's hook for user rules.
public enum IptablesNames {
    /// Prefix of every own chain.
    public static let chainPrefix = "CFSYNC"
    /// Prefix of every own ipset set.
    public static let setPrefix = "cfsync"
    public static let inputChain = "CFSYNC-INPUT"
    public static let forwardChain = "CFSYNC-FORWARD"
    public static let input = "INPUT"
    public static let forward = "FORWARD"
    /// Docker's chain for user rules on forwarded traffic; created as Docker does when missing.
    public static let dockerUser = "DOCKER-USER"
    /// Marks the FORWARD → DOCKER-USER jump cfsync added itself, so `remove` knows it is its own.
    public static let dockerUserJump = "-m comment --comment cfsync -j DOCKER-USER"
    /// `multiport` takes at most 15 ports per rule.
    public static let multiportLimit = 15

    public static func set(_ family: Family) -> String {
        switch family {
        case .ipv4: "cfsync-v4"
        case .ipv6: "cfsync-v6"
        }
    }

    /// The set a new list is built in before it is swapped in.
    public static func tempSet(_ family: Family) -> String { set(family) + "-tmp" }

    /// ipset's name for the family (`family inet` / `family inet6`).
    public static func ipsetFamily(_ family: Family) -> String {
        switch family {
        case .ipv4: "inet"
        case .ipv6: "inet6"
        }
    }

    /// The tool names people know the family by, for messages.
    public static func tool(_ family: Family) -> String {
        switch family {
        case .ipv4: "iptables"
        case .ipv6: "ip6tables"
        }
    }

    public static func isOwnChain(_ name: String) -> Bool { name.hasPrefix(chainPrefix) }
    public static func isOwnSet(_ name: String) -> Bool { name.hasPrefix(setPrefix) }
}
