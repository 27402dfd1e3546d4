import Foundation

/// One accepted list as kept in the state dir: what `--offline` and a 304 answer use,
/// and what the shrink guard compares a new list with.
public struct CachedList: Codable, Equatable, Sendable {
    public var url: String
    /// Lowercase hex SHA-256 of `body`; also the body's file name in the cache.
    public var sha256: String
    public var etag: String?
    /// Kept to the whole second in the manifest.
    public var fetchedAt: Date
    /// Not in the manifest: stored as lists/<sha256>.txt.
    public var body: [UInt8] = []

    enum CodingKeys: String, CodingKey {
        case url, sha256, etag
        case fetchedAt = "fetched_at"
    }

    public init(url: String, sha256: String, etag: String?, fetchedAt: Date, body: [UInt8]) {
        self.url = url
        self.sha256 = sha256
        self.etag = etag
        self.fetchedAt = fetchedAt
        self.body = body
    }

    /// Hashes `body` itself.
    public init(url: String, body: [UInt8], etag: String?, fetchedAt: Date) {
        self.init(url: url, sha256: SHA256Hex.of(body), etag: etag, fetchedAt: fetchedAt, body: body)
    }
}
