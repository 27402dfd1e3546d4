import Foundation

/// One finished run of the cfsync binary, with its `--output json` object when there is one.
struct CFSyncRun: CustomStringConvertible {
    var process: ProcessResult

    var status: Int32 { process.status }
    var stdout: String { process.stdout }
    var stderr: String { process.stderr }

    /// stdout parsed as exactly one JSON object (nil if it is anything else).
    var json: [String: Any]? {
        let text = process.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty,
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
              let dict = object as? [String: Any]
        else { return nil }
        return dict
    }

    /// `changes` as family -> ("add"|"remove") -> prefixes, in the order cfsync printed them.
    var changes: [String: [String: [String]]]? {
        guard let changes = json?["changes"] as? [String: Any] else { return nil }
        var result: [String: [String: [String]]] = [:]
        for (family, value) in changes {
            guard let sides = value as? [String: Any] else { return nil }
            var entry: [String: [String]] = [:]
            for (side, list) in sides {
                guard let prefixes = list as? [String] else { return nil }
                entry[side] = prefixes
            }
            result[family] = entry
        }
        return result
    }

    func string(_ key: String) -> String? { json?[key] as? String }
    func bool(_ key: String) -> Bool? { json?[key] as? Bool }

    /// `drift` of `status --output json`, each item rendered as text (strings stay as they are,
    /// objects become their JSON), so tests can look for a prefix or a chain name in it.
    var driftItems: [String]? {
        guard let drift = json?["drift"] as? [Any] else { return nil }
        return drift.map { item in
            if let text = item as? String { return text }
            if let data = try? JSONSerialization.data(withJSONObject: item, options: [.sortedKeys]),
               let text = String(data: data, encoding: .utf8) { return text }
            return "\(item)"
        }
    }

    var description: String { process.description }
}

/// `changes` with nothing to add or remove for a family.
let noChange: [String: [String]] = ["add": [], "remove": []]
