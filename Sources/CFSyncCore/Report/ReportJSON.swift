import Foundation

/// The JSON object of spec/cli.md. Absent values are written as `null`, never
/// left out, so consumers can rely on every documented key being there.
extension Report: Encodable {
    private enum Key: String, CodingKey {
        case command, result, backend, mode, ports, changed, changes, counts, snapshot, sources, warnings, error
        case inSync = "in_sync"
        case drift, note
        case lastRepair = "last_repair"
    }

    private enum SourceKey: String, CodingKey {
        case url, sha256, etag
        case fromCache = "from_cache"
        case fetchedAt = "fetched_at"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(command, forKey: .command)
        try c.encode(result.rawValue, forKey: .result)
        try c.encode(backend, forKey: .backend)
        try c.encode(mode?.rawValue, forKey: .mode)
        try c.encode(ports, forKey: .ports)
        try c.encode(changed, forKey: .changed)
        var changesContainer = c.nestedContainer(keyedBy: FamilyKey.self, forKey: .changes)
        var countsContainer = c.nestedContainer(keyedBy: FamilyKey.self, forKey: .counts)
        for family in Family.allCases {
            let key = FamilyKey(family)
            let change = changes[family] ?? Changes()
            try changesContainer.encode(["add": change.add, "remove": change.remove], forKey: key)
            try countsContainer.encode(counts[family] ?? 0, forKey: key)
        }
        try c.encode(snapshot, forKey: .snapshot)
        var sourcesContainer = c.nestedUnkeyedContainer(forKey: .sources)
        for source in sources {
            var s = sourcesContainer.nestedContainer(keyedBy: SourceKey.self)
            try s.encode(source.url, forKey: .url)
            try s.encode(source.sha256, forKey: .sha256)
            try s.encode(source.etag, forKey: .etag)
            try s.encode(source.fromCache, forKey: .fromCache)
            try s.encode(source.fetchedAt.map { UTCTimestamp.format($0) }, forKey: .fetchedAt)
        }
        try c.encode(warnings, forKey: .warnings)
        try c.encode(error, forKey: .error)
        if let inSync { try c.encode(inSync, forKey: .inSync) }
        if let drift { try c.encode(drift, forKey: .drift) }
        if let note { try c.encode(note, forKey: .note) }
        // status always says it (null: never repaired); watch's own report when it repaired.
        if drift != nil || lastRepair != nil { try c.encode(lastRepair, forKey: .lastRepair) }
    }

    private struct FamilyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ family: Family) { stringValue = family.rawValue }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// One line of JSON with sorted keys: stable output for scripts and diffs.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and arrays cannot fail.
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
