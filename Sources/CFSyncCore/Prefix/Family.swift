/// An address family. Lists, sets and chains exist once per family, so most of cfsync is keyed by it.
public enum Family: String, Codable, CaseIterable, Sendable, Comparable {
    case ipv4, ipv6

    /// Human spelling for messages ("IPv4").
    public var name: String {
        switch self {
        case .ipv4: "IPv4"
        case .ipv6: "IPv6"
        }
    }

    /// Address width in bits.
    public var maxLength: Int {
        switch self {
        case .ipv4: 32
        case .ipv6: 128
        }
    }

    /// IPv4 sorts before IPv6 everywhere output is ordered by family.
    public static func < (lhs: Family, rhs: Family) -> Bool {
        lhs == .ipv4 && rhs == .ipv6
    }
}
