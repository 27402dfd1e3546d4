/// Reads structure and set elements from ONE plain-text `nft list table inet cfsync`.
///
/// Why: observing the kernel used to take two listings (terse for the structure, JSON for the
/// elements), and `plan` a third (text, for the snapshot). Each listing makes libnftables dump
/// every element; at 100k elements the JSON one alone costs ~0.6 s of CPU in libnftables plus
/// JSONSerialization. The text listing is the terse one plus `elements = { … }` blocks, so one
/// text listing gives all three.
///
/// Strict: anything in an `elements` block of `allow_v4`/`allow_v6` that is not an address,
/// a prefix or an `a-b` range (a comment, a timeout, a counter) makes `parse` return nil, and
/// the caller falls back to the JSON listing for the elements.
public enum NftListingText {
    public struct Parsed: Equatable, Sendable {
        /// The listing without its `elements = { … }` blocks: what `nft -t list` prints.
        public var terse: String
        public var lists: AddressLists

        public init(terse: String, lists: AddressLists) {
            self.terse = terse
            self.lists = lists
        }
    }

    public static func parse(_ listing: String) -> Parsed? {
        var kept: [Substring] = []
        var lists = AddressLists()
        var currentSet: Family?
        var elements: [Substring] = []
        var inElements = false
        var valid = true
        for line in listing.split(separator: "\n", omittingEmptySubsequences: false) {
            let body = line.drop { $0 == "\t" || $0 == " " }
            if inElements {
                collect(body, into: &elements, closing: &inElements)
            } else if body.hasPrefix("elements = {") {
                inElements = true
                collect(body.dropFirst("elements = {".count), into: &elements, closing: &inElements)
            } else {
                kept.append(line)
                if body.hasPrefix("set ") {
                    currentSet = family(ofSetLine: body)
                } else if body == "}" {
                    currentSet = nil
                }
                continue
            }
            if !inElements {
                if let family = currentSet, valid {
                    valid = append(elements, family, to: &lists)
                }
                elements.removeAll(keepingCapacity: true)
            }
        }
        guard valid, !inElements else { return nil }
        lists.ipv4.sort()
        lists.ipv6.sort()
        return Parsed(terse: kept.joined(separator: "\n"), lists: lists)
    }

    /// Adds the comma-separated items of one line of an elements block; a `}` ends the block.
    private static func collect(_ text: Substring, into elements: inout [Substring], closing inElements: inout Bool) {
        var rest = text
        if let close = rest.firstIndex(of: "}") {
            rest = rest[..<close]
            inElements = false
        }
        for item in rest.split(separator: ",") {
            let trimmed = item.drop { $0 == " " || $0 == "\t" }
            var end = trimmed.endIndex
            while end > trimmed.startIndex, trimmed[trimmed.index(before: end)] == " " { end = trimmed.index(before: end) }
            if end > trimmed.startIndex { elements.append(trimmed[..<end]) }
        }
    }

    private static func family(ofSetLine line: Substring) -> Family? {
        if line == "set \(NftLayout.setName(.ipv4)) {" { return .ipv4 }
        if line == "set \(NftLayout.setName(.ipv6)) {" { return .ipv6 }
        return nil
    }

    private static func append(_ items: [Substring], _ family: Family, to lists: inout AddressLists) -> Bool {
        switch family {
        case .ipv4:
            guard let prefixes = read(items, as: IPv4Prefix.self) else { return false }
            lists.ipv4 += prefixes
        case .ipv6:
            guard let prefixes = read(items, as: IPv6Prefix.self) else { return false }
            lists.ipv6 += prefixes
        }
        return true
    }

    /// nft prints a /32 or /128 bare, a prefix as `a/n` and a merged interval as `a-b`.
    private static func read<P: IPPrefix>(_ items: [Substring], as _: P.Type) -> [P]? {
        var result: [P] = []
        result.reserveCapacity(items.count)
        for item in items {
            if let dash = item.firstIndex(of: "-") {
                guard let first = try? P(parsing: item[..<dash]),
                      let last = try? P(parsing: item[item.index(after: dash)...]),
                      first.length == P.maxLength, last.length == P.maxLength,
                      first.address <= last.address
                else { return nil }
                result += prefixes(from: first.address, through: last.address) as [P]
            } else {
                guard let prefix = try? P(parsing: item) else { return nil }
                result.append(prefix)
            }
        }
        return result
    }
}
