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

    public var cachedLists: [CachedList] { lists.map(\.cached) }

    /// `20261125T120000Z-1a2b`: sortable by time, unique within a second.
    static func makeID(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let stamp = String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        return stamp + "-" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
    }
}
