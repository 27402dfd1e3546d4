/// A syntactically valid prefix that must never be in a Cloudflare allowlist.
public struct ListGuardViolation: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// Broader than any provider would publish; almost certainly a mistake or an attack.
        case tooShort(minimumLength: Int)
        /// Overlaps an IANA special-purpose range.
        case specialPurpose(range: String, name: String)
        /// IPv6 outside 2000::/3, the only space that holds global unicast today.
        case notGlobalUnicast
    }

    /// Canonical text of the refused prefix.
    public var prefix: String
    public var kind: Kind

    public init(prefix: String, kind: Kind) {
        self.prefix = prefix
        self.kind = kind
    }

    public var description: String {
        let quoted = QuotedText.quote(prefix)
        switch kind {
        case .tooShort(let minimum):
            return "\(quoted) is shorter than /\(minimum)"
        case .specialPurpose(let range, let name) where range == prefix:
            return "\(quoted) is a special-purpose range (\(name))"
        case .specialPurpose(let range, let name):
            return "\(quoted) overlaps special-purpose range \(range) (\(name))"
        case .notGlobalUnicast:
            return "\(quoted) is outside global unicast space 2000::/3"
        }
    }
}
