import Foundation

/// Reading the kernel's rules back with the nft CLI (a different tool from cfsync's libnftables).
extension Namespace {
    /// `nft list ruleset`; stateless (`-s`) leaves counters out so listings compare byte for byte;
    /// `handles` (`-a`) adds object handles, which change whenever an object is re-created.
    func nftRuleset(stateless: Bool = true, handles: Bool = false) throws -> String {
        try nftText(flags(stateless: stateless, handles: handles) + ["list", "ruleset"])
    }

    func nftTable(_ family: String, _ name: String, stateless: Bool = true, handles: Bool = false) throws -> String {
        try nftText(flags(stateless: stateless, handles: handles) + ["list", "table", family, name])
    }

    /// True if `nft list table` finds it.
    func nftHasTable(_ family: String, _ name: String) throws -> Bool {
        try run([tools.nft, "list", "table", family, name]).succeeded
    }

    /// The elements of a set read with `nft -j list set`, as sorted strings:
    /// prefixes "a/len", single addresses "a", ranges "lo-hi" (so auto-merged ranges show up as such).
    func nftSetElements(family: String = "inet", table: String = "cfsync", set: String) throws -> [String] {
        let text = try nftText(["-j", "list", "set", family, table, set])
        guard let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let items = root["nftables"] as? [[String: Any]],
              let object = items.compactMap({ $0["set"] as? [String: Any] }).first
        else { throw SubprocessError(description: "unexpected nft -j output: \(text)") }
        let elements = object["elem"] as? [Any] ?? []
        return try elements.map { try Self.elementText($0, in: text) }.sorted()
    }

    private static func elementText(_ element: Any, in text: String) throws -> String {
        if let plain = element as? String { return plain }
        guard let dict = element as? [String: Any] else {
            throw SubprocessError(description: "unexpected set element \(element) in \(text)")
        }
        if let elem = dict["elem"] as? [String: Any], let value = elem["val"] {
            return try elementText(value, in: text)
        }
        if let prefix = dict["prefix"] as? [String: Any], let addr = prefix["addr"] as? String,
           let len = prefix["len"] as? Int {
            return "\(addr)/\(len)"
        }
        if let range = dict["range"] as? [Any], range.count == 2 {
            return try "\(elementText(range[0], in: text))-\(elementText(range[1], in: text))"
        }
        throw SubprocessError(description: "unexpected set element \(dict) in \(text)")
    }

    private func flags(stateless: Bool, handles: Bool) -> [String] {
        (stateless ? ["-s"] : []) + (handles ? ["-a"] : [])
    }

    private func nftText(_ arguments: [String]) throws -> String {
        try check([tools.nft] + arguments).stdout
    }
}
