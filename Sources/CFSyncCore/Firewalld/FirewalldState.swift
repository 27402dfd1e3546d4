/// cfsync's objects as firewalld holds them in its runtime and its permanent configuration:
/// what one observation reads.
public struct FirewalldState: Equatable, Sendable {
    public var runtime: FirewalldObjects
    public var permanent: FirewalldObjects

    public init(runtime: FirewalldObjects, permanent: FirewalldObjects) {
        self.runtime = runtime
        self.permanent = permanent
    }

    /// No objects, or only what a runtime-only remove left inert until the next reload.
    public var isAbsent: Bool { permanent.isEmpty && runtime.isInert }

    /// The prefixes the runtime rules enforce: the entries of each family's active set.
    public var lists: AddressLists {
        func entries(_ family: Family) -> [String] {
            let name = FirewalldNames.ipset(family, runtime.activeTwin(family))
            guard runtime.referencedIpsets.contains(name) else { return [] }
            return runtime.ipsets[name]?.entries.sorted() ?? []
        }
        return AddressLists(ipv4: entries(.ipv4).compactMap { try? IPv4Prefix(parsing: $0) }.sorted(),
                            ipv6: entries(.ipv6).compactMap { try? IPv6Prefix(parsing: $0) }.sorted())
    }

    /// Compares the runtime and the permanent objects with what `policy` asks for, with the
    /// prefixes and the active twins found at runtime (so only the shape counts at runtime,
    /// and the permanent configuration must hold what the runtime does).
    public func installed(_ policy: Policy) -> InstalledState {
        guard !isAbsent else { return InstalledState(structure: .absent, lists: .empty) }
        let lists = lists
        let twins = Dictionary(uniqueKeysWithValues: Family.allCases.map { ($0, runtime.activeTwin($0)) })
        let want = FirewalldLayout(policy: policy).objects(lists, twins: twins)
        var found = Self.differences(have: runtime, want: want, side: "runtime")
        found += Self.differences(have: permanent, want: want, side: "permanent")
        return InstalledState(structure: found.isEmpty ? .matches : .differs(found), lists: lists)
    }

    static func differences(have: FirewalldObjects, want: FirewalldObjects, side: String) -> [String] {
        var found: [String] = []
        for name in want.ipsets.keys.sorted() {
            guard let set = have.ipsets[name] else {
                found.append("\(side): ipset \(name) is missing")
                continue
            }
            let wanted = want.ipsets[name]
            if set.type != wanted?.type || set.family != wanted?.family {
                found.append("\(side): ipset \(name) is \(set.type) family=\(set.family), not \(wanted?.type ?? "") family=\(wanted?.family ?? "")")
            } else if set.entries != wanted?.entries {
                found.append(wanted?.entries.isEmpty ?? true ? "\(side): ipset \(name) should be empty (no rule uses it)"
                                                             : "\(side): ipset \(name) holds other entries than the runtime's")
            }
        }
        for name in have.ipsets.keys.sorted() where want.ipsets[name] == nil {
            found.append("\(side): ipset \(name) is not expected")
        }
        switch (have.policy, want.policy) {
        case (nil, .some): found.append("\(side): policy \(FirewalldNames.policy) is missing")
        case (.some, nil): found.append("\(side): policy \(FirewalldNames.policy) is not expected")
        case (nil, nil): break
        case let (h?, w?):
            if !h.sameShape(as: w) {
                found.append("\(side): policy \(FirewalldNames.policy) is not priority \(w.priority), target \(w.target), "
                    + "\(w.ingress.joined(separator: " ")) → \(w.egress.joined(separator: " ")) and nothing else")
            }
            for rule in w.richRules.subtracting(h.richRules).sorted() { found.append("\(side): rich rule missing: \(rule)") }
            for rule in h.richRules.subtracting(w.richRules).sorted() { found.append("\(side): rich rule not expected: \(rule)") }
        }
        return found
    }
}
