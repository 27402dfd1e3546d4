import CFSyncCore
import Foundation

/// cfsync's own firewall objects and the accepted lists as they were before a
/// change: what `rollback` restores. One file, written atomically, with a
/// checksum so a damaged snapshot is refused instead of half-restored.
public struct Snapshot: Codable, Equatable, Sendable {
    public static let formatVersion = 1

    public var version: Int
    public var id: String
    public var created: Date
    public var command: String
    public var backend: BackendKind
    /// The backend's native dump of cfsync's objects; empty when none existed.
    public var ruleset: String
    public var lists: [StoredList]
    public var checksum: String

    public init(id: String, created: Date, command: String, backend: BackendKind, ruleset: String, lists: [CachedList]) {
        version = Self.formatVersion
        self.id = id
        self.created = created
        self.command = command
        self.backend = backend
        self.ruleset = ruleset
        self.lists = lists.map(StoredList.init)
        checksum = ""
        checksum = computedChecksum
    }

    /// SHA-256 over every field that a restore uses.
    var computedChecksum: String {
        StoredList.checksum(header: ["cfsync-snapshot \(version)", id, command, backend.rawValue, ruleset], lists: lists)
    }

    public var isIntact: Bool {
        checksum == computedChecksum && lists.allSatisfy(\.isIntact)
    }

    public var cachedLists: [CachedList] { StoredList.cached(lists) }

    /// `20261125T120000Z-1a2b`: sortable by time, unique within a second.
    static func makeID(_ date: Date) -> String {
        let stamp = date.formatted(Date.ISO8601FormatStyle(dateSeparator: .omitted, timeSeparator: .omitted))
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return stamp + "-" + String(repeating: "0", count: 4 - suffix.count) + suffix
    }
}
