import CFSyncCore
import Foundation

/// The last accepted list of one family as kept in the state dir, whatever source it came
/// from: what `--offline`, `status` and a 304 answer use, and what the shrink guard
/// compares a new list of that family with.
public struct CachedList: Codable, Equatable, Sendable {
    public var family: Family
    public var url: String
    /// How `body` is read: a plain list, or Cloudflare's JSON API (one body, both families).
    public var format: ListFormat
    /// Lowercase hex SHA-256 of `body`; also the body's file name in the cache.
    public var sha256: String
    public var etag: String?
    /// Kept to the whole second in the manifest.
    public var fetchedAt: Date
    /// Not in the manifest: stored as lists/<sha256>.txt.
    public var body: [UInt8] = []

    enum CodingKeys: String, CodingKey {
        case family, url, format, sha256, etag
        case fetchedAt = "fetched_at"
    }

    public init(family: Family, url: String, format: ListFormat, sha256: String, etag: String?, fetchedAt: Date, body: [UInt8]) {
        self.family = family
        self.url = url
        self.format = format
        self.sha256 = sha256
        self.etag = etag
        self.fetchedAt = fetchedAt
        self.body = body
    }

    /// Hashes `body` itself.
    public init(family: Family, url: String, format: ListFormat, body: [UInt8], etag: String?, fetchedAt: Date) {
        self.init(family: family, url: url, format: format, sha256: SHA256Hex.of(body), etag: etag, fetchedAt: fetchedAt, body: body)
    }

    /// An accepted body from state written before lists were kept per family (a version 1
    /// manifest, an older snapshot or plan): one entry for each family the body holds, found
    /// by parsing it; none when the guards refuse it now, since it could not be used anyway.
    static func recognised(url: String, sha256: String, etag: String?, fetchedAt: Date, body: [UInt8]) -> [CachedList] {
        guard let (format, families) = ListFormat.recognise(body) else { return [] }
        return families.map {
            CachedList(family: $0, url: url, format: format, sha256: sha256, etag: etag, fetchedAt: fetchedAt, body: body)
        }
    }

    /// One list per family, in family order: of two for one family (bodies of several
    /// sources, from older state), the one fetched last.
    static func newestPerFamily(_ lists: [CachedList]) -> [CachedList] {
        Dictionary(lists.map { ($0.family, $0) }, uniquingKeysWith: { $1.fetchedAt >= $0.fetchedAt ? $1 : $0 })
            .values.sorted { $0.family < $1.family }
    }

    /// The prefixes of this list's family in its body, through every syntax guard.
    func prefixes() throws(ListError) -> AddressLists {
        try format.parse(body, families: [family], source: url)
    }
}
