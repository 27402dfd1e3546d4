/// Whether firewalld's runtime configuration equals its permanent one, cfsync's own objects
/// aside: a `firewall-cmd --reload` replaces the runtime with the permanent configuration, so
/// cfsync reloads only when that loses nothing of the admin's.
public enum FirewalldConfigDrift {
    /// What `--list-all-zones`, `--list-all-policies` and `--get-ipsets` print, per side.
    public struct Listing: Sendable {
        public var zones: String
        public var policies: String
        public var ipsets: String

        public init(zones: String, policies: String, ipsets: String) {
            self.zones = zones
            self.policies = policies
            self.ipsets = ipsets
        }
    }

    /// One line per zone, policy or ipset that differs; empty when a reload would change
    /// nothing but cfsync's objects. Interfaces are left out: firewalld keeps the runtime's
    /// interface bindings across a reload (NetworkManager's connections). Lists compare
    /// without order: firewall-cmd prints rich rules sorted by priority only, and ports or
    /// sources unsorted, so one configuration prints in different orders.
    public static func differences(runtime: Listing, permanent: Listing) throws -> [String] {
        var found: [String] = []
        for (kind, have, want) in [("zone", runtime.zones, permanent.zones), ("policy", runtime.policies, permanent.policies)] {
            let r = try blocks(have), p = try blocks(want)
            for name in Set(r.keys).union(p.keys).sorted() where r[name] != p[name] {
                switch (r[name], p[name]) {
                case (nil, _): found.append("\(kind) \(name) exists only in the permanent configuration")
                case (_, nil): found.append("\(kind) \(name) exists only at runtime")
                case let (x?, y?):
                    let keys = Set(x.fields.keys).union(y.fields.keys).filter { x.fields[$0] != y.fields[$0] }.sorted()
                    let what = keys + (x.richRules != y.richRules ? ["rich rules"] : [])
                    found.append("\(kind) \(name): runtime \(what.joined(separator: ", ")) differ from the permanent configuration")
                }
            }
        }
        let r = Set(own(runtime.ipsets)), p = Set(own(permanent.ipsets))
        for name in r.subtracting(p).sorted() { found.append("ipset \(name) exists only at runtime") }
        for name in p.subtracting(r).sorted() { found.append("ipset \(name) exists only in the permanent configuration") }
        return found
    }

    private static func own(_ names: String) -> [String] {
        names.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init).filter { !FirewalldNames.isOwn($0) }
    }

    private static func blocks(_ text: String) throws -> [String: FirewalldInfo] {
        var result: [String: FirewalldInfo] = [:]
        for var info in try FirewalldInfo.parseAll(text) where !FirewalldNames.isOwn(info.name) {
            info.marks = []
            info.fields["interfaces"] = nil
            info.fields = info.fields.mapValues { $0.split(separator: " ").sorted().joined(separator: " ") }
            info.richRules.sort()
            result[info.name] = info
        }
        return result
    }
}
