import Foundation

/// Reads the elements of cfsync's sets from libnftables JSON output
/// (`nft -j list table inet cfsync`). nft prints a /32 or /128 as a bare
/// address, a prefix as `{"prefix": …}` and a merged interval as `{"range": […]}`;
/// all three come back as prefixes.
public enum NftSetElements {
    public struct ParseError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "nftables: unexpected JSON from libnftables: \(message)" }
    }

    public static func parse(json: String) throws -> AddressLists {
        guard let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let objects = root["nftables"] as? [[String: Any]]
        else { throw ParseError(message: "no \"nftables\" array") }
        var lists = AddressLists()
        for object in objects {
            guard let set = object["set"] as? [String: Any],
                  set["table"] as? String == NftLayout.table,
                  let name = set["name"] as? String
            else { continue }
            let elements = set["elem"] as? [Any] ?? []
            if name == NftLayout.setName(.ipv4) {
                lists.ipv4 = try elements.flatMap { try elementPrefixes(IPv4Prefix.self, from: $0) }.sorted()
            } else if name == NftLayout.setName(.ipv6) {
                lists.ipv6 = try elements.flatMap { try elementPrefixes(IPv6Prefix.self, from: $0) }.sorted()
            }
        }
        return lists
    }

    private static func elementPrefixes<P: IPPrefix>(_: P.Type, from element: Any) throws -> [P] {
        if let address = element as? String {
            return [try P(parsing: address)]
        }
        if let dict = element as? [String: Any] {
            if let prefix = dict["prefix"] as? [String: Any],
               let addr = prefix["addr"] as? String,
               let len = prefix["len"] as? Int {
                return [try P(parsing: "\(addr)/\(len)")]
            }
            if let range = dict["range"] as? [String], range.count == 2 {
                let first = try P(parsing: range[0]), last = try P(parsing: range[1])
                return CFSyncCore.prefixes(from: first.address, through: last.address) as [P]
            }
            if let inner = dict["elem"] as? [String: Any], let value = inner["val"] {
                return try elementPrefixes(P.self, from: value)
            }
        }
        throw ParseError(message: "set element \(element) is not an address, prefix or range")
    }
}
