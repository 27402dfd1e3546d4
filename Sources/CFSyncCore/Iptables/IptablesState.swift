/// What the kernel holds, as read by `iptables-save`, `ip6tables-save` and
/// `ipset save`: the input to observing and to every transition.
public struct IptablesState: Equatable, Sendable {
    public var ipv4: IptablesTable
    /// nil when ip6tables is unavailable (IPv6 disabled or not built in).
    public var ipv6: IptablesTable?
    /// cfsync's own sets only.
    public var sets: [IpsetSet]

    public init(ipv4: IptablesTable, ipv6: IptablesTable?, sets: [IpsetSet]) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.sets = sets
    }

    public func table(_ family: Family) -> IptablesTable? { family == .ipv4 ? ipv4 : ipv6 }

    public var ownObjects: IptablesObjects {
        IptablesObjects(ipv4: ipv4.ownObjects, ipv6: ipv6?.ownObjects ?? .init(), sets: sets)
    }

    /// The prefixes cfsync enforces now: set members in ipset mode, else the
    /// source of each accept in its input chain.
    public func lists(ipset: Bool) -> AddressLists {
        if ipset {
            let v4 = sets.first { $0.name == IptablesNames.set(.ipv4) }?.members ?? []
            let v6 = sets.first { $0.name == IptablesNames.set(.ipv6) }?.members ?? []
            return AddressLists(ipv4: v4.compactMap { try? IPv4Prefix(parsing: $0) },
                                ipv6: v6.compactMap { try? IPv6Prefix(parsing: $0) })
        }
        return AddressLists(ipv4: Self.sources(ipv4).compactMap { try? IPv4Prefix(parsing: $0) }.sorted(),
                            ipv6: Self.sources(ipv6).compactMap { try? IPv6Prefix(parsing: $0) }.sorted())
    }

    private static func sources(_ table: IptablesTable?) -> [String] {
        (table?.rules[IptablesNames.inputChain] ?? []).compactMap { spec in
            let words = spec.split(separator: " ")
            guard words.count == 4, words[0] == "-s", words[2] == "-j", words[3] == "ACCEPT" else { return nil }
            return String(words[1])
        }
    }

    /// Compares the own objects with what `policy` asks for (with the prefixes
    /// found, so only the shape counts) and names each difference.
    public func installed(_ policy: Policy) -> InstalledState {
        let own = ownObjects
        let lists = lists(ipset: policy.ipset)
        guard !own.isEmpty else { return InstalledState(structure: .absent, lists: lists) }
        let want = IptablesLayout(policy: policy).objects(lists, current: self)
        var found: [String] = []
        for family in Family.allCases where table(family) != nil {
            found += Self.differences(IptablesNames.tool(family), have: own[family], want: want[family])
        }
        let have = Dictionary(uniqueKeysWithValues: own.sets.map { ($0.name, $0.family) })
        let need = Dictionary(uniqueKeysWithValues: want.sets.map { ($0.name, $0.family) })
        for name in need.keys.sorted() where have[name] != need[name] {
            found.append(have[name] == nil ? "ipset \(name) is missing" : "ipset \(name) has the wrong family")
        }
        for name in have.keys.sorted() where need[name] == nil {
            found.append("ipset \(name) is not expected")
        }
        return InstalledState(structure: found.isEmpty ? .matches : .differs(found), lists: lists)
    }

    static func differences(_ tool: String, have: IptablesFamilyObjects, want: IptablesFamilyObjects) -> [String] {
        var found: [String] = []
        for name in want.chains.keys.sorted() {
            if have.chains[name] == nil {
                found.append("\(tool) chain \(name) is missing")
            } else if have.chains[name] != want.chains[name] {
                found.append("\(tool) chain \(name) differs")
            }
        }
        for name in have.chains.keys.sorted() where want.chains[name] == nil {
            found.append("\(tool) chain \(name) is not expected")
        }
        if have.jumps != want.jumps {
            let wanted = want.jumps.map { "\($0.chain) \($0.position): \($0.spec)" }
            found.append("\(tool) jumps differ (expected " + (wanted.isEmpty ? "none" : wanted.joined(separator: "; ")) + ")")
        }
        return found
    }
}
