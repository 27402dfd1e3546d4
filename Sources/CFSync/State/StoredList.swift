import CFSyncCore
import Foundation

/// An accepted list with its body inline, as snapshots and saved plans carry it, so
/// restoring one restores the lists it was made with. The body survives byte for byte:
/// it is written as JSON text (`body`) when it is UTF-8, else as base64 (`body_base64`).
///
/// Snapshots and plans written before lists were kept per family hold no `family` and
/// `format`; such a list is recognised by parsing its body when it is restored.
public struct StoredList: Codable, Equatable, Sendable {
    public var family: Family?
    public var format: ListFormat?
    public var url: String
    public var sha256: String
    public var etag: String?
    /// Whole seconds, so every encoding of it reads back equal.
    public var fetchedAt: Date
    public var body: [UInt8]

    enum CodingKeys: String, CodingKey {
        case family, format, url, sha256, etag, body
        case fetchedAt = "fetched_at"
        case bodyBase64 = "body_base64"
    }

    public init(_ list: CachedList) {
        family = list.family
        format = list.format
        url = list.url
        sha256 = list.sha256
        etag = list.etag
        fetchedAt = Date(timeIntervalSince1970: list.fetchedAt.timeIntervalSince1970.rounded(.down))
        body = list.body
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        family = try c.decodeIfPresent(Family.self, forKey: .family)
        format = try c.decodeIfPresent(ListFormat.self, forKey: .format)
        url = try c.decode(String.self, forKey: .url)
        sha256 = try c.decode(String.self, forKey: .sha256)
        etag = try c.decodeIfPresent(String.self, forKey: .etag)
        fetchedAt = try c.decode(Date.self, forKey: .fetchedAt)
        if let encoded = try c.decodeIfPresent(String.self, forKey: .bodyBase64) {
            guard let bytes = Data(base64Encoded: encoded) else {
                throw DecodingError.dataCorruptedError(forKey: .bodyBase64, in: c, debugDescription: "not base64")
            }
            body = Array(bytes)
        } else {
            body = Array(try c.decode(String.self, forKey: .body).utf8)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(family, forKey: .family)
        try c.encodeIfPresent(format, forKey: .format)
        try c.encode(url, forKey: .url)
        try c.encode(sha256, forKey: .sha256)
        try c.encodeIfPresent(etag, forKey: .etag)
        try c.encode(fetchedAt, forKey: .fetchedAt)
        if let text = String(validating: body, as: UTF8.self) {
            try c.encode(text, forKey: .body)
        } else {
            try c.encode(Data(body).base64EncodedString(), forKey: .bodyBase64)
        }
    }

    /// The body matches its sha256, and family and format come together.
    var isIntact: Bool { SHA256Hex.of(body) == sha256 && (family == nil) == (format == nil) }

    /// The lists as the state dir keeps them: one per family (recognised by parsing for
    /// lists stored before families were recorded; the newer one when two claim a family).
    public static func cached(_ lists: [StoredList]) -> [CachedList] {
        CachedList.newestPerFamily(lists.flatMap { list -> [CachedList] in
            guard let family = list.family, let format = list.format else {
                return CachedList.recognised(url: list.url, sha256: list.sha256, etag: list.etag, fetchedAt: list.fetchedAt, body: list.body)
            }
            return [CachedList(family: family, url: list.url, format: format, sha256: list.sha256, etag: list.etag,
                               fetchedAt: list.fetchedAt, body: list.body)]
        })
    }

    /// Length-prefixed fields, so no edit can move bytes between them: the header, then per
    /// list its url, sha256, etag, body and (when recorded) family, format and fetch time.
    /// Lists without a family give the bytes of the format before families were recorded,
    /// so older snapshots keep their checksums.
    static func canonicalBytes(header: [String], lists: [StoredList]) -> [UInt8] {
        var out: [UInt8] = []
        func field<C: Collection>(_ bytes: C) where C.Element == UInt8 {
            out += Array("\(bytes.count):".utf8)
            out += bytes
            out.append(UInt8(ascii: "\n"))
        }
        for text in header { field(text.utf8) }
        for list in lists {
            field(list.url.utf8)
            field(list.sha256.utf8)
            field((list.etag ?? "").utf8)
            field(list.body)
            if let family = list.family, let format = list.format {
                field(family.rawValue.utf8)
                field(format.rawValue.utf8)
                field(String(Int64(list.fetchedAt.timeIntervalSince1970)).utf8)
            }
        }
        return out
    }

    /// SHA-256 of `canonicalBytes`: what a snapshot checks itself with.
    static func checksum(header: [String], lists: [StoredList]) -> String {
        SHA256Hex.of(canonicalBytes(header: header, lists: lists))
    }
}
