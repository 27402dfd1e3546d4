import CFSyncCore
import Foundation

/// Snapshots in `<state dir>/snapshots/<id>.json`, newest kept, oldest rotated out.
public struct SnapshotStore {
    public static let defaultKeep = 20
    static let folder = "snapshots"

    let dir: StateDirectory
    let keep: Int

    public init(dir: StateDirectory, keep: Int = SnapshotStore.defaultKeep) {
        self.dir = dir
        self.keep = max(keep, 1)
    }

    /// A snapshot that could not be read back intact, named for the operator.
    public struct Damaged: Error, CustomStringConvertible {
        public var id: String
        public var reason: String
        public var description: String { "snapshot \(id) is damaged (\(reason)); refusing to restore it" }
    }

    public func save(_ snapshot: Snapshot) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // RFC 3339 with milliseconds, so snapshots taken within a second still order.
        encoder.dateEncodingStrategy = .utc(.milliseconds)
        try dir.write("\(Self.folder)/\(snapshot.id).json", Array(try encoder.encode(snapshot)))
        try rotate()
    }

    /// Every intact snapshot, newest first, and the ids of damaged ones.
    public func list() throws -> (snapshots: [Snapshot], damaged: [Damaged]) {
        var good: [Snapshot] = []
        var bad: [Damaged] = []
        for id in try ids() {
            do {
                good.append(try load(id))
            } catch let damaged as Damaged {
                bad.append(damaged)
            }
        }
        return (good.sorted { ($0.created, $0.id) > ($1.created, $1.id) }, bad)
    }

    /// The snapshot `id`, or the newest one when `id` is nil; verified intact.
    public func load(_ id: String?) throws -> Snapshot {
        guard let id else { return try newest() }
        guard Self.isValidID(id) else { throw CFSyncError.usage("snapshot id '\(id)' is not of the form 20261125T120000Z-1a2b") }
        guard let bytes = try dir.read("\(Self.folder)/\(id).json") else {
            throw CFSyncError.failed("no snapshot '\(id)' in \(dir.path)/\(Self.folder) (cfsync snapshots lists them)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .utc
        let snapshot: Snapshot
        do {
            snapshot = try decoder.decode(Snapshot.self, from: Data(bytes))
        } catch {
            throw Damaged(id: id, reason: "not a readable snapshot file: truncated or edited")
        }
        guard snapshot.version == Snapshot.formatVersion else {
            throw Damaged(id: id, reason: "format version \(snapshot.version), this cfsync reads \(Snapshot.formatVersion)")
        }
        guard snapshot.id == id, snapshot.isIntact else { throw Damaged(id: id, reason: "checksum mismatch") }
        return snapshot
    }

    private func ids() throws -> [String] {
        try dir.list(Self.folder).compactMap { name in
            name.hasSuffix(".json") ? String(name.dropLast(5)) : nil
        }.filter(Self.isValidID)
    }

    /// Snapshot ids newest first, in groups that share the second of their timestamp: the
    /// id orders snapshots only to the second, and reading one to learn its `created` time
    /// costs a decode (~3.5 MB of JSON at 100k prefixes), so callers read only the group
    /// they need to order.
    private func idsBySecond() throws -> [[String]] {
        var groups: [[String]] = []
        for id in try ids().sorted(by: >) {
            if let last = groups.last?.first, last.prefix(16) == id.prefix(16) {
                groups[groups.count - 1].append(id)
            } else {
                groups.append([id])
            }
        }
        return groups
    }

    /// The newest snapshot, verified intact: groups are read newest first, up to the first
    /// that holds an intact one (`rollback` used to decode all 20 kept); within it `created`
    /// decides. A damaged snapshot at least as new as that one is refused, naming the newest
    /// intact one: restoring an older state in its place would undo more than the last change.
    private func newest() throws -> Snapshot {
        var newestDamaged: Damaged?
        for group in try idsBySecond() {
            var intact: [Snapshot] = []
            for id in group {
                do {
                    intact.append(try load(id))
                } catch let damaged as Damaged {
                    newestDamaged = newestDamaged ?? damaged
                }
            }
            guard let newest = intact.max(by: { ($0.created, $0.id) < ($1.created, $1.id) }) else { continue }
            guard let newestDamaged else { return newest }
            throw CFSyncError.failed(
                "the newest snapshot \(newestDamaged.id) is damaged (\(newestDamaged.reason)); refusing to restore an older state in its place. "
                    + "The newest intact snapshot is \(newest.id): run cfsync rollback \(newest.id) if that is the state you want")
        }
        if let newestDamaged { throw newestDamaged }
        throw CFSyncError.failed("no snapshot in \(dir.path)/\(Self.folder); nothing to roll back to")
    }

    /// Drops the oldest snapshots beyond `keep`, reading only the group that straddles the
    /// boundary, for its `created` times (an unreadable one counts as oldest). Decoding all
    /// 20 kept on every apply took ~1 s at 100k prefixes.
    private func rotate() throws {
        var kept = 0
        for group in try idsBySecond() {
            var ordered = group
            if kept < keep, kept + group.count > keep {
                let created = group.map { id in (id, (try? load(id))?.created ?? .distantPast) }
                ordered = created.sorted { ($0.1, $0.0) > ($1.1, $1.0) }.map(\.0)
            }
            for id in ordered {
                if kept < keep {
                    kept += 1
                } else {
                    try dir.remove("\(Self.folder)/\(id).json")
                }
            }
        }
    }

    static func isValidID(_ id: String) -> Bool {
        let parts = id.split(separator: "-")
        return parts.count == 2 && parts[0].count == 16 && parts[1].count == 4
            && id.allSatisfy { $0.isNumber || $0 == "T" || $0 == "Z" || $0 == "-" || $0.isHexDigit }
    }
}
