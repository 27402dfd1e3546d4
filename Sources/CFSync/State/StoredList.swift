import Foundation

/// An accepted list with its body inline, as snapshots and saved plans carry
/// it, so restoring one restores the lists it was made with.
public struct StoredList: Codable, Equatable, Sendable {
    public var url: String
    public var sha256: String
    public var etag: String?
    public var fetchedAt: Date
    public var body: String

    enum CodingKeys: String, CodingKey {
        case url, sha256, etag, body
        case fetchedAt = "fetched_at"
    }

    public init(_ list: CachedList) {
        url = list.url
        sha256 = list.sha256
        etag = list.etag
        fetchedAt = list.fetchedAt
        body = String(decoding: list.body, as: UTF8.self)
    }

    public var cached: CachedList {
        CachedList(url: url, sha256: sha256, etag: etag, fetchedAt: fetchedAt, body: Array(body.utf8))
    }

    var isIntact: Bool { SHA256Hex.of(Array(body.utf8)) == sha256 }

    /// SHA-256 over length-prefixed fields, so no edit can move bytes between them.
    static func checksum(header: [String], lists: [StoredList]) -> String {
        var text = ""
        for field in header + lists.flatMap({ [$0.url, $0.sha256, $0.etag ?? "", $0.body] }) {
            text += "\(field.utf8.count):\(field)\n"
        }
        return SHA256Hex.of(Array(text.utf8))
    }
}
