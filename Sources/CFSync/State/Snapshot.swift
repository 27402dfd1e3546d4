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
    /// The applied-state record when the snapshot was taken, so a rollback also puts back
    /// what `restore` re-installs. Absent in snapshots of cfsync before the record existed.
    public var applied: AppliedState?
    public var checksum: String

    public init(id: String, created: Date, command: String, backend: BackendKind, ruleset: String, lists: [CachedList],
                applied: AppliedState? = nil) {
        version = Self.formatVersion
        self.id = id
        self.created = created
        self.command = command
        self.backend = backend
        self.ruleset = ruleset
        self.lists = lists.map(StoredList.init)
        self.applied = applied
        checksum = ""
        checksum = computedChecksum
    }

    /// SHA-256 over every field that a restore uses.
    var computedChecksum: String {
        var header = ["cfsync-snapshot \(version)", id, command, backend.rawValue, ruleset]
        if let applied { header.append(Self.canonical(applied)) }
        return StoredList.checksum(header: header, lists: lists)
    }

    /// The record as sorted-key JSON: one text for the same value, whatever wrote it.
    private static func canonical(_ applied: AppliedState) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Enums, integers and prefix strings always encode.
        return (try? encoder.encode(applied)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    public var isIntact: Bool {
        checksum == computedChecksum && lists.allSatisfy(\.isIntact)
    }

    public var cachedLists: [CachedList] { StoredList.cached(lists) }

    /// `20261125T120000Z-1a2b`: sortable by time, unique within a second.
    static func makeID(_ date: Date) -> String {
        let stamp = UTCTimestamp.format(date, .compact)
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return stamp + "-" + String(repeating: "0", count: 4 - suffix.count) + suffix
    }
}
