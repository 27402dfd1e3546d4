/// Reads cfsync's own sets from `ipset save` output; every other set is ignored.
public enum IpsetSave {
    public struct ParseError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "ipset save: \(message)" }
    }

    public static func parse(_ text: String) throws(ParseError) -> [IpsetSet] {
        var sets: [String: IpsetSet] = [:]
        for (index, raw) in text.split(separator: "\n").enumerated() {
            let words = raw.split(separator: " ").map(String.init)
            guard words.count >= 2, IptablesNames.isOwnSet(words[1]) else { continue }
            let name = words[1]
            switch words[0] {
            case "create":
                guard words.count >= 3, words[2] == "hash:net" else {
                    throw ParseError(message: "set \(name) is \(words.count > 2 ? words[2] : "untyped"), cfsync needs hash:net (line \(index + 1))")
                }
                let family: Family = option("family", words) == "inet6" ? .ipv6 : .ipv4
                let maxelem = option("maxelem", words).flatMap { Int($0) } ?? 65_536
                sets[name] = IpsetSet(name: name, family: family, maxelem: maxelem, members: [])
            case "add":
                guard words.count >= 3, let family = sets[name]?.family else {
                    throw ParseError(message: "line \(index + 1) adds to set \(name) before creating it")
                }
                do {
                    // In place: copying the set out and back would make a big set quadratic.
                    sets[name]?.members.append(try member(words[2], family))
                } catch {
                    throw ParseError(message: "set \(name) member \(words[2]) is not a prefix (\(error))")
                }
            default:
                continue
            }
        }
        return sets.values.map { set in
            var sorted = set
            sorted.members = sortedMembers(set.members, set.family)
            return sorted
        }.sorted { $0.name < $1.name }
    }

    /// ipset prints a /32 or /128 as a bare address; cfsync always writes the length.
    static func member(_ text: String, _ family: Family) throws -> String {
        switch family {
        case .ipv4: try IPv4Prefix(parsing: text).description
        case .ipv6: try IPv6Prefix(parsing: text).description
        }
    }

    /// Members in prefix order (as the lists are), not text order.
    static func sortedMembers(_ members: [String], _ family: Family) -> [String] {
        switch family {
        case .ipv4: members.compactMap { try? IPv4Prefix(parsing: $0) }.sorted().map(\.description)
        case .ipv6: members.compactMap { try? IPv6Prefix(parsing: $0) }.sorted().map(\.description)
        }
    }

    private static func option(_ name: String, _ words: [String]) -> String? {
        guard let i = words.firstIndex(of: name), i + 1 < words.count else { return nil }
        return words[i + 1]
    }
}
