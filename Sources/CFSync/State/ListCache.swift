import CFSyncCore
import Foundation

/// The last accepted list of each family, whatever source it came from. Bodies are
/// content-addressed (lists/<sha256>.txt; Cloudflare's JSON API body serves both families
/// from one file); one manifest, lists/accepted.json, names the accepted set and is
/// written LAST, so the v4 and v6 lists become accepted together in one rename. Bodies the
/// new manifest no longer names are removed afterwards.
///
/// Manifest version 2 keeps one entry per family (family, url, format, sha256, etag,
/// fetched_at). Version 1 kept lists by URL only; it is still read, each body's family and
/// format found by parsing it, so an upgraded host keeps its lists. Writes are version 2.
public struct ListCache: Sendable {
    public let dir: StateDirectory

    static let folder = "lists"
    static let manifest = "lists/accepted.json"
    static let manifestVersion = 2

    private struct Manifest: Codable {
        var version: Int
        var lists: [CachedList]
    }

    private struct Version: Decodable {
        var version: Int
    }

    /// A version 1 manifest: lists by URL, without family or format.
    private struct Version1: Decodable {
        struct Entry: Decodable {
            var url: String
            var sha256: String
            var etag: String?
            var fetchedAt: Date

            enum CodingKeys: String, CodingKey {
                case url, sha256, etag
                case fetchedAt = "fetched_at"
            }
        }

        var lists: [Entry]
    }

    public init(dir: StateDirectory) {
        self.dir = dir
    }

    /// The accepted lists with their bodies, one per family in family order ([] when
    /// nothing was accepted yet). Each body is checked against its sha256; a missing or
    /// altered body is an error, never silently an empty list.
    ///
    /// Fetch and guards read this before the lock is taken, so another run may replace the
    /// accepted set between our reading the manifest and a body. Bodies are written before
    /// the manifest and removed after it, so a body that is missing while the manifest has
    /// changed only means the manifest we read is no longer current: read the new one.
    public func load() throws -> [CachedList] {
        var manifest = try dir.read(Self.manifest)
        for _ in 0..<Self.rereads {
            guard let bytes = manifest else { return [] }
            switch try lists(named: bytes) {
            case .loaded(let lists):
                return lists
            case .missing(let file, let url):
                let now = try dir.read(Self.manifest)
                guard now != bytes else { throw dir.failure("\(file) is missing (the accepted list for \(url))") }
                manifest = now
            }
        }
        throw dir.failure("\(Self.manifest) kept changing while it was read (\(Self.rereads) times); try again")
    }

    /// How often `load` follows a manifest that another run replaced.
    static let rereads = 10

    private enum Reading {
        case loaded([CachedList])
        case missing(file: String, url: String)
    }

    private func lists(named bytes: [UInt8]) throws -> Reading {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .utc
        // The version this cfsync writes in one decode; anything else is told apart by its version.
        let current = try? decoder.decode(Manifest.self, from: Data(bytes))
        let version: Int
        do {
            version = try current?.version ?? decoder.decode(Version.self, from: Data(bytes)).version
        } catch {
            throw corrupt()
        }
        switch version {
        case 1:
            let entries = try decode(Version1.self, bytes, decoder).lists
            var bodies = Bodies()
            var lists: [CachedList] = []
            for entry in entries {
                guard let body = try bodies.read(entry.sha256, url: entry.url, in: self) else {
                    return .missing(file: Self.bodyFile(entry.sha256), url: entry.url)
                }
                lists += CachedList.recognised(url: entry.url, sha256: entry.sha256, etag: entry.etag, fetchedAt: entry.fetchedAt, body: body)
            }
            return .loaded(CachedList.newestPerFamily(lists))
        case Self.manifestVersion:
            let entries = try current?.lists ?? decode(Manifest.self, bytes, decoder).lists
            var bodies = Bodies()
            var lists: [CachedList] = []
            for entry in entries {
                guard !lists.contains(where: { $0.family == entry.family }) else {
                    throw dir.failure("\(Self.manifest) names two \(entry.family.name) lists; remove it to start over")
                }
                guard let body = try bodies.read(entry.sha256, url: entry.url, in: self) else {
                    return .missing(file: Self.bodyFile(entry.sha256), url: entry.url)
                }
                var list = entry
                list.body = body
                lists.append(list)
            }
            return .loaded(lists.sorted { $0.family < $1.family })
        default:
            throw dir.failure("\(Self.manifest) has version \(version); this cfsync reads versions 1 and \(Self.manifestVersion)")
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ decoder: JSONDecoder) throws -> T {
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch {
            throw corrupt()
        }
    }

    private func corrupt() -> StateError {
        dir.failure("\(Self.manifest) is corrupt (not the JSON cfsync writes); remove it to start over")
    }

    /// Bodies read so far, so the one body of an API list is read and hashed once.
    private struct Bodies {
        var known: [String: [UInt8]] = [:]

        /// The verified body named `sha256`; nil when the file is missing.
        mutating func read(_ sha256: String, url: String, in cache: ListCache) throws -> [UInt8]? {
            if let body = known[sha256] { return body }
            guard SHA256Hex.isValid(sha256) else {
                throw cache.dir.failure("\(ListCache.manifest) names an invalid sha256 \"\(sha256)\" for \(url)")
            }
            let file = ListCache.bodyFile(sha256)
            guard let body = try cache.dir.read(file) else { return nil }
            let actual = SHA256Hex.of(body)
            guard actual == sha256 else {
                throw cache.dir.failure("\(file) is corrupt: its sha256 is \(actual) (the accepted list for \(url))")
            }
            known[sha256] = body
            return body
        }
    }

    /// Replaces the whole accepted set (at most one list per family): bodies first, then
    /// the manifest, then removes bodies nothing names any more. Refuses a list whose
    /// sha256 does not match its body.
    public func store(_ lists: [CachedList]) throws {
        var seen = Set<Family>()
        for list in lists {
            guard seen.insert(list.family).inserted else {
                throw dir.failure("cannot accept two \(list.family.name) lists (\(list.url))")
            }
            let actual = SHA256Hex.of(list.body)
            guard actual == list.sha256 else {
                throw dir.failure("refusing to cache \(list.url): sha256 \(list.sha256) does not match its body (\(actual))")
            }
        }
        let lists = lists.sorted { $0.family < $1.family }
        for list in lists {
            let file = Self.bodyFile(list.sha256)
            if let existing = try? dir.read(file), existing == list.body { continue }
            try dir.write(file, list.body)
        }

        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .utc()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // A no-op run accepts the same lists again: it writes nothing.
        guard try dir.writeJSON(Self.manifest, Manifest(version: Self.manifestVersion, lists: lists), encoder: encoder) else { return }

        let keep = Set(lists.map { Self.bodyFile($0.sha256) })
        for name in try dir.list(Self.folder) where Self.isBodyName(name) {
            let file = "\(Self.folder)/\(name)"
            if !keep.contains(file) { try dir.remove(file) }
        }
    }

    static func bodyFile(_ sha256: String) -> String {
        "\(folder)/\(sha256).txt"
    }

    private static func isBodyName(_ name: String) -> Bool {
        name.hasSuffix(".txt") && SHA256Hex.isValid(String(name.dropLast(4)))
    }
}
