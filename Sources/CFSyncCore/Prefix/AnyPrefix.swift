/// A prefix of either family, for inputs that may be both (`--allow`, reports).
public enum AnyPrefix: Hashable, Sendable, CustomStringConvertible, Comparable, Codable {
    case ipv4(IPv4Prefix)
    case ipv6(IPv6Prefix)

    /// Picks the family from the text; when neither family recognises it the error says so.
    public init(parsing text: some StringProtocol) throws(PrefixError) {
        let outcome: Result<AnyPrefix, PrefixError> = Result { () throws(PrefixError) in
            try withUTF8Bytes(of: text) { bytes throws(PrefixError) in
                let looksV6 = IPv4Syntax.scan(bytes).isMalformed && !IPv6Syntax.scan(bytes).isMalformed
                return looksV6 ? .ipv6(try IPv6Prefix(utf8: bytes)) : .ipv4(try IPv4Prefix(utf8: bytes))
            }
        }
        switch outcome {
        case .success(let prefix): self = prefix
        case .failure(.malformed(let text, _)): throw .malformed(text: text, expected: nil)
        case .failure(let error): throw error
        }
    }

    public var family: Family {
        switch self {
        case .ipv4: .ipv4
        case .ipv6: .ipv6
        }
    }

    public var description: String {
        switch self {
        case .ipv4(let prefix): prefix.description
        case .ipv6(let prefix): prefix.description
        }
    }

    /// IPv4 first, then each family in prefix order.
    public static func < (lhs: AnyPrefix, rhs: AnyPrefix) -> Bool {
        switch (lhs, rhs) {
        case (.ipv4(let l), .ipv4(let r)): l < r
        case (.ipv6(let l), .ipv6(let r)): l < r
        default: lhs.family < rhs.family
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            try self.init(parsing: try container.decode(String.self))
        } catch let error as PrefixError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
