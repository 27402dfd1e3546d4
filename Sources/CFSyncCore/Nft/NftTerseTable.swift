/// cfsync's table as `nft -t list ruleset inet` prints it: the structure without set elements.
///
/// Why: in nft 1.0.6 every listing that shows rules, except a terse listing of a whole
/// ruleset, makes libnftables fetch and decode every set element (~0.5 s of CPU at 100k).
/// The terse ruleset costs about a millisecond; the elements of cfsync's two interval sets
/// are then read with one netlink dump each, and `listing(with:)` puts the two back together
/// into the text `nft list table` would print, for snapshots.
public struct NftTerseTable: Equatable, Sendable {
    /// The `table inet cfsync { … }` block, ending in a newline, as `nft -t list table` prints it.
    public let text: String

    /// nil when `ruleset` holds no `table inet cfsync`.
    public init?(ruleset: String) {
        let header = "table \(NftLayout.family) \(NftLayout.table) {"
        var lines: [Substring] = []
        for line in ruleset.split(separator: "\n", omittingEmptySubsequences: false) {
            if lines.isEmpty {
                if line == header { lines.append(line) }
                continue
            }
            lines.append(line)
            if line == "}" { break }
        }
        guard lines.last == "}" else { return nil }
        text = lines.joined(separator: "\n") + "\n"
    }

    /// The families whose sets the netlink reader can stand in for: nil when the table holds
    /// anything besides chains and cfsync's own interval sets declared exactly as cfsync
    /// declares them (another set or map, a stateful object, other set flags), whose contents
    /// only a full listing shows.
    public var interpretableSets: [Family]? {
        var families: [Family] = []
        for (name, body) in NftListing(text).blocks {
            if name.hasPrefix("chain ") { continue }
            guard let family = Family.allCases.first(where: { name == "set \(NftLayout.setName($0))" }),
                  body == ["type \(NftLayout.setType(family))", "flags interval"]
            else { return nil }
            families.append(family)
        }
        // NftListing only sees `set` and `chain` blocks; any other block (map, counter,
        // flowtable) shows as a line of its own at table level.
        let topLevel = text.split(separator: "\n").filter { $0.hasPrefix("\t") && !$0.hasPrefix("\t\t") }
        guard topLevel.allSatisfy({ $0 == "\t}" || $0.hasPrefix("\tset ") || $0.hasPrefix("\tchain ") }) else { return nil }
        return families.sorted()
    }

    /// The text `nft list table inet cfsync` prints for this structure holding `lists`: each
    /// non-empty set gets its `elements = { … }` line. It restores with `nft -f` like a listing.
    public func listing(with lists: AddressLists) -> String {
        var out = ""
        var currentSet: Family?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if let family = currentSet, line == "\t}" {
                let elements = lists.prefixes(family).descriptions
                if !elements.isEmpty { out += "\t\telements = { \(elements.joined(separator: ", ")) }\n" }
                currentSet = nil
            } else if line.hasPrefix("\tset ") {
                currentSet = Family.allCases.first { line == "\tset \(NftLayout.setName($0)) {" }
            }
            out += line + "\n"
        }
        return out
    }
}
