/// How a list body is written. A body is always re-read in the format it was fetched in,
/// whatever source the current options name: the last accepted list of a family is used
/// by `--offline`, `status` and the shrink guard after the source changed.
public enum ListFormat: String, Codable, Sendable, CaseIterable {
    /// One CIDR a line, one family (`--source-v4`, `--source-v6`).
    case plain
    /// Cloudflare's JSON API (`--source-api`): one body holds both families.
    case cloudflareAPI = "cloudflare-api"

    /// The prefixes of `families` in `body`, through every syntax guard; each of those
    /// families must have at least one prefix. Other families are left empty.
    public func parse(_ body: [UInt8], families: [Family], source: String) throws(ListError) -> AddressLists {
        switch self {
        case .plain:
            var lists = AddressLists()
            for family in families {
                switch family {
                case .ipv4: lists.ipv4 = try ListParser.parse(body, as: IPv4Prefix.self, source: source)
                case .ipv6: lists.ipv6 = try ListParser.parse(body, as: IPv6Prefix.self, source: source)
                }
            }
            return lists
        case .cloudflareAPI:
            let answer = try CloudflareAPIList.parse(body, source: source)
            let lists = AddressLists(ipv4: answer.ipv4, ipv6: answer.ipv6)
            for family in families where lists.prefixes(family).isEmpty {
                throw ListError(source: source, reason: "no \(family.name) prefixes in the API answer")
            }
            return AddressLists(ipv4: families.contains(.ipv4) ? lists.ipv4 : [], ipv6: families.contains(.ipv6) ? lists.ipv6 : [])
        }
    }

    /// The format of an accepted body and the families it holds, found by parsing it (for
    /// state written before the format was recorded); nil when no guard-passing reading
    /// exists.
    public static func recognise(_ body: [UInt8]) -> (format: ListFormat, families: [Family])? {
        for family in Family.allCases where (try? plain.parse(body, families: [family], source: "")) != nil {
            return (.plain, [family])
        }
        guard let answer = try? CloudflareAPIList.parse(body, source: "") else { return nil }
        let families = Family.allCases.filter { $0 == .ipv4 ? !answer.ipv4.isEmpty : !answer.ipv6.isEmpty }
        return families.isEmpty ? nil : (.cloudflareAPI, families)
    }
}
