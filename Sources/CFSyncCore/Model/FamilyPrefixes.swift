/// The prefixes of one family, for code that handles either family the same way
/// (an nftables set operation, an element batch).
public enum FamilyPrefixes: Equatable, Sendable {
    case ipv4([IPv4Prefix])
    case ipv6([IPv6Prefix])

    public static func empty(_ family: Family) -> FamilyPrefixes {
        switch family {
        case .ipv4: .ipv4([])
        case .ipv6: .ipv6([])
        }
    }

    public var family: Family {
        switch self {
        case .ipv4: .ipv4
        case .ipv6: .ipv6
        }
    }

    public var isEmpty: Bool {
        switch self {
        case .ipv4(let prefixes): prefixes.isEmpty
        case .ipv6(let prefixes): prefixes.isEmpty
        }
    }

    public var count: Int {
        switch self {
        case .ipv4(let prefixes): prefixes.count
        case .ipv6(let prefixes): prefixes.count
        }
    }

    /// The prefixes as text, in order: what renderers write.
    public var descriptions: [String] {
        switch self {
        case .ipv4(let prefixes): prefixes.map(\.description)
        case .ipv6(let prefixes): prefixes.map(\.description)
        }
    }
}

extension AddressLists {
    public func prefixes(_ family: Family) -> FamilyPrefixes {
        switch family {
        case .ipv4: .ipv4(ipv4)
        case .ipv6: .ipv6(ipv6)
        }
    }
}

extension SyncPlan {
    /// The prefixes of `family` to add.
    public func additions(_ family: Family) -> FamilyPrefixes {
        switch family {
        case .ipv4: .ipv4(ipv4.add)
        case .ipv6: .ipv6(ipv6.add)
        }
    }

    /// The prefixes of `family` to remove.
    public func removals(_ family: Family) -> FamilyPrefixes {
        switch family {
        case .ipv4: .ipv4(ipv4.remove)
        case .ipv6: .ipv6(ipv6.remove)
        }
    }
}
