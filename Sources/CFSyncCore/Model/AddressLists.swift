/// Prefixes per family. Desired lists are aggregated and sorted; installed lists
/// are whatever the kernel holds, sorted.
public struct AddressLists: Equatable, Codable, Sendable {
    public var ipv4: [IPv4Prefix]
    public var ipv6: [IPv6Prefix]

    public init(ipv4: [IPv4Prefix] = [], ipv6: [IPv6Prefix] = []) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }

    public static let empty = AddressLists()

    /// Aggregated copy, keeping only `families`.
    public func aggregated(keeping families: [Family]) -> AddressLists {
        AddressLists(
            ipv4: families.contains(.ipv4) ? aggregate(ipv4) : [],
            ipv6: families.contains(.ipv6) ? aggregate(ipv6) : []
        )
    }
}
