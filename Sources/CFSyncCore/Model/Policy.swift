/// What cfsync enforces on the protected ports, besides the lists themselves.
public enum Mode: String, Codable, Sendable, CaseIterable {
    /// Listed sources are accepted on the protected ports, every other source is dropped.
    case lockdown
    /// Only accept rules are added; the host's own policy decides the rest.
    case allow
}

/// Which firewall cfsync drives.
public enum BackendKind: String, Codable, Sendable, CaseIterable {
    case nftables, iptables, ufw, firewalld
}

/// The shape of the firewall objects cfsync owns: everything but the prefixes.
/// Two runs with equal policies build identical structures.
public struct Policy: Equatable, Codable, Sendable {
    public var mode: Mode
    /// Protected tcp ports, sorted and unique.
    public var ports: [UInt16]
    /// Managed families, sorted.
    public var families: [Family]
    /// Also protect traffic forwarded to published container ports (matched on the
    /// original, pre-DNAT destination port), so every backend renders it from here.
    public var forward: Bool
    /// iptables backend: prefixes live in ipset sets instead of one rule each.
    /// Part of the shape because it decides which objects exist; nftables ignores it.
    public var ipset: Bool

    public init(mode: Mode, ports: [UInt16], families: [Family], forward: Bool = false, ipset: Bool = false) {
        self.mode = mode
        self.ports = Array(Set(ports)).sorted()
        self.families = Array(Set(families)).sorted()
        self.forward = forward
        self.ipset = ipset
    }

    public func manages(_ family: Family) -> Bool { families.contains(family) }
}
