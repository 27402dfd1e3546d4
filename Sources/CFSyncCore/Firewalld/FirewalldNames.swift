/// Every name cfsync gives its firewalld objects, in one place. They all start with `cfsync`,
/// so `firewall-cmd --get-ipsets` / `--get-policies` show at a glance what is cfsync's.
public enum FirewalldNames {
    /// The policy whose rich rules accept (and in lockdown drop) the protected ports.
    public static let policy = "cfsync"
    /// ANY → HOST: every zone's traffic to the host itself, never forwarded traffic.
    public static let ingressZone = "ANY"
    public static let egressZone = "HOST"
    /// Negative: firewalld runs the policy before any zone's rules (a zone's `http` service
    /// cannot accept an unlisted source first).
    public static let priority = -100
    /// Sources the rules do not decide go on to the zones.
    public static let target = "CONTINUE"
    public static let ipsetType = "hash:net"

    /// Which of a family's two sets: firewalld refuses overlapping entries and cannot swap
    /// sets, so a change fills the idle twin and then points the rules at it.
    public enum Twin: String, CaseIterable, Sendable {
        case a, b

        public var other: Twin {
            switch self {
            case .a: .b
            case .b: .a
            }
        }
    }

    /// `cfsync-v4`, `cfsync-v4-b`, `cfsync-v6`, `cfsync-v6-b`.
    public static func ipset(_ family: Family, _ twin: Twin) -> String {
        let base = family == .ipv4 ? "cfsync-v4" : "cfsync-v6"
        switch twin {
        case .a: return base
        case .b: return base + "-b"
        }
    }

    /// The ipsets of every family, in a fixed order.
    public static let ipsets: [(Family, Twin)] = Family.allCases.flatMap { family in Twin.allCases.map { (family, $0) } }

    /// The `family=` option of an ipset.
    public static func ipsetFamily(_ family: Family) -> String {
        switch family {
        case .ipv4: "inet"
        case .ipv6: "inet6"
        }
    }

    /// The `family="…"` of a rich rule.
    public static func ruleFamily(_ family: Family) -> String { family.rawValue }

    public static func isOwn(_ name: String) -> Bool { name.hasPrefix("cfsync") }
}
