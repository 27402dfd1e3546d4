/// One source to fetch. `ifNoneMatch` is the ETag of the last accepted body, so an
/// unchanged list costs a 304 instead of a download.
public struct FetchRequest: Sendable, Equatable {
    public var url: String
    public var ifNoneMatch: String?

    public init(url: String, ifNoneMatch: String? = nil) {
        self.url = url
        self.ifNoneMatch = ifNoneMatch
    }
}

/// What a source answered. A 304 has no body: the caller takes the cached one.
public struct FetchResult: Sendable, Equatable {
    public var url: String
    /// Empty when `notModified`.
    public var body: [UInt8]
    /// Lowercase hex SHA-256 of `body`; "" when `notModified`.
    public var sha256: String
    /// The server's ETag (for a 304 without one: the ETag that was sent).
    public var etag: String?
    /// HTTP 304 answer to If-None-Match.
    public var notModified: Bool

    public init(url: String, body: [UInt8], sha256: String, etag: String?, notModified: Bool) {
        self.url = url
        self.body = body
        self.sha256 = sha256
        self.etag = etag
        self.notModified = notModified
    }

    /// A 200 answer (or a file), hashing the body.
    static func fetched(url: String, body: [UInt8], etag: String?) -> FetchResult {
        FetchResult(url: url, body: body, sha256: SHA256Hex.of(body), etag: etag, notModified: false)
    }

    /// A 304 answer.
    static func notModified(url: String, etag: String?) -> FetchResult {
        FetchResult(url: url, body: [], sha256: "", etag: etag, notModified: true)
    }
}
