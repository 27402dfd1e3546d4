import Foundation

/// Cloudflare's JSON API (https://api.cloudflare.com/client/v4/ips):
/// {"result":{"ipv4_cidrs":[...],"ipv6_cidrs":[...],"etag":"..."},"success":true,"errors":[],"messages":[]}.
public struct CloudflareAPIList: Equatable, Sendable {
    public var ipv4: [IPv4Prefix]
    public var ipv6: [IPv6Prefix]
    public var etag: String?

    public init(ipv4: [IPv4Prefix], ipv6: [IPv6Prefix], etag: String?) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.etag = etag
    }

    /// success must be true (else error quoting errors[].message if present), both arrays present,
    /// every entry passes the same guards as ListParser; each array may be empty here (the caller
    /// requires non-empty for the families it manages).
    public static func parse(_ body: [UInt8], source: String) throws(ListError) -> CloudflareAPIList {
        let envelope = try decodeEnvelope(body, source: source)
        guard let success = envelope.success else {
            throw ListError(source: source, reason: "field 'success' is missing")
        }
        guard success else {
            let messages = (envelope.errors ?? []).compactMap(\.message).filter { !$0.isEmpty }
            let detail = messages.isEmpty ? "success is false" : messages.map { QuotedText.quote($0) }.joined(separator: "; ")
            throw ListError(source: source, reason: "the API reported failure: \(detail)")
        }
        guard let result = envelope.result else {
            throw ListError(source: source, reason: "field 'result' is missing")
        }
        guard let ipv4 = result.ipv4Cidrs else {
            throw ListError(source: source, reason: "field 'result.ipv4_cidrs' is missing")
        }
        guard let ipv6 = result.ipv6Cidrs else {
            throw ListError(source: source, reason: "field 'result.ipv6_cidrs' is missing")
        }
        return CloudflareAPIList(
            ipv4: try entries(ipv4, field: "result.ipv4_cidrs", source: source),
            ipv6: try entries(ipv6, field: "result.ipv6_cidrs", source: source),
            etag: result.etag
        )
    }

    /// Parses and guards each entry; the error names the field and index instead of a line.
    private static func entries<P: IPPrefix>(_ texts: [String], field: String, source: String) throws(ListError) -> [P] {
        var prefixes: [P] = []
        prefixes.reserveCapacity(texts.count)
        for (index, text) in texts.enumerated() {
            let prefix: P
            do {
                prefix = try P(parsing: text)
            } catch {
                throw ListError(source: source, reason: "\(field)[\(index)]: \(error.description)")
            }
            do {
                try ListGuards.checkPublic(prefix)
            } catch {
                throw ListError(source: source, reason: "\(field)[\(index)]: \(error.description)")
            }
            prefixes.append(prefix)
        }
        return prefixes
    }

    private static func decodeEnvelope(_ body: [UInt8], source: String) throws(ListError) -> Envelope {
        let json = body.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(body.dropFirst(3)) : body
        do {
            return try JSONDecoder().decode(Envelope.self, from: Data(json))
        } catch let DecodingError.typeMismatch(type, context) {
            throw ListError(source: source, reason: "field '\(path(context.codingPath))' is not \(typeName(type))")
        } catch let DecodingError.valueNotFound(type, context) {
            throw ListError(source: source, reason: "field '\(path(context.codingPath))' is null, expected \(typeName(type))")
        } catch {
            let start = String(decoding: json.prefix(QuotedText.limit + 1), as: UTF8.self)
            throw ListError(source: source, reason: "body is not JSON: \(QuotedText.quote(start))")
        }
    }

    /// "result.ipv4_cidrs[2]" from a decoding path.
    private static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce(into: "") { text, key in
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: "a boolean"
        case is String.Type: "a string"
        default: "of the expected type"
        }
    }

    /// The wire shape, every field optional so a missing one gets its own message.
    private struct Envelope: Decodable {
        var success: Bool?
        var errors: [Message]?
        var result: Payload?
    }

    private struct Message: Decodable {
        var message: String?
    }

    private struct Payload: Decodable {
        var ipv4Cidrs: [String]?
        var ipv6Cidrs: [String]?
        var etag: String?

        enum CodingKeys: String, CodingKey {
            case ipv4Cidrs = "ipv4_cidrs", ipv6Cidrs = "ipv6_cidrs", etag
        }
    }
}
