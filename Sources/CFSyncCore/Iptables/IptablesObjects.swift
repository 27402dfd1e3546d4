/// A rule in a chain cfsync does not own that sends traffic into one it does
/// (or, for `DOCKER-USER`, the FORWARD jump cfsync added). `spec` is the rule as
/// `iptables-save` prints it after `-A CHAIN `; `position` is 1-based.
public struct IptablesJump: Equatable, Sendable {
    public var chain: String
    public var position: Int
    public var spec: String

    public init(chain: String, position: Int, spec: String) {
        self.chain = chain
        self.position = position
        self.spec = spec
    }
}

/// cfsync's own objects in one family's filter table.
public struct IptablesFamilyObjects: Equatable, Sendable {
    public var jumps: [IptablesJump] = []
    /// Own chain name -> its rules as `iptables-save` prints them (after `-A NAME `).
    public var chains: [String: [String]] = [:]

    public init(jumps: [IptablesJump] = [], chains: [String: [String]] = [:]) {
        self.jumps = jumps
        self.chains = chains
    }

    /// Jumps in (chain, position) order, so objects read from any source compare equal.
    public func sorted() -> IptablesFamilyObjects {
        IptablesFamilyObjects(jumps: jumps.sorted { ($0.chain, $0.position) < ($1.chain, $1.position) }, chains: chains)
    }

    public var isEmpty: Bool { jumps.isEmpty && chains.isEmpty }
}

/// One own ipset `hash:net` set.
public struct IpsetSet: Equatable, Sendable {
    public var name: String
    public var family: Family
    public var maxelem: Int
    /// Prefixes, sorted, always with a length (`1.2.3.4/32`).
    public var members: [String]

    public init(name: String, family: Family, maxelem: Int, members: [String]) {
        self.name = name
        self.family = family
        self.maxelem = maxelem
        self.members = members
    }

    /// Room for the list and for it to double, never below ipset's own default.
    public static func maxelem(for count: Int) -> Int {
        var size = 65_536
        while size < count * 2 { size *= 2 }
        return size
    }

    /// The `create` line, without the volatile hashsize/initval ipset adds on save.
    public func createLine(as name: String? = nil) -> String {
        "create \(name ?? self.name) hash:net family \(IptablesNames.ipsetFamily(family)) maxelem \(maxelem)"
    }
}

/// Everything cfsync owns in iptables, ip6tables and ipset: what a snapshot
/// holds and what a transition moves the kernel to.
public struct IptablesObjects: Equatable, Sendable {
    public var ipv4 = IptablesFamilyObjects()
    public var ipv6 = IptablesFamilyObjects()
    /// Sorted by name.
    public var sets: [IpsetSet] = []

    public init(ipv4: IptablesFamilyObjects = .init(), ipv6: IptablesFamilyObjects = .init(), sets: [IpsetSet] = []) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.sets = sets.sorted { $0.name < $1.name }
    }

    public subscript(family: Family) -> IptablesFamilyObjects {
        get { family == .ipv4 ? ipv4 : ipv6 }
        set { if family == .ipv4 { ipv4 = newValue } else { ipv6 = newValue } }
    }

    public var isEmpty: Bool { ipv4.isEmpty && ipv6.isEmpty && sets.isEmpty }
}
