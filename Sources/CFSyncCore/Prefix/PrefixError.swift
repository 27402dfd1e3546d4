/// Why a piece of text or a number is not a prefix. Every case keeps the offending text
/// so the message can quote it.
public enum PrefixError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not CIDR syntax at all (HTML, a partial line, garbage). `expected` is nil when either family would do.
    case malformed(text: String, expected: Family?)
    /// Syntax is fine but the length is outside 0...32 / 0...128.
    case badLength(text: String, length: Int, family: Family)
    /// Bits below the prefix length are set; `network` is what the author probably meant.
    case hostBitsSet(text: String, network: String)
    /// A valid CIDR of the other family.
    case wrongFamily(text: String, expected: Family)

    /// The offending input as given.
    public var text: String {
        switch self {
        case .malformed(let text, _), .badLength(let text, _, _),
             .hostBitsSet(let text, _), .wrongFamily(let text, _):
            text
        }
    }

    public var description: String {
        let quoted = QuotedText.quote(text)
        switch self {
        case .malformed(_, let expected?):
            return "\(quoted) is not an \(expected.name) CIDR"
        case .malformed(_, nil):
            return "\(quoted) is not an IPv4 or IPv6 CIDR"
        case .badLength(_, let length, let family):
            return "\(quoted) has prefix length \(length), \(family.name) allows 0 to \(family.maxLength)"
        case .hostBitsSet(_, let network):
            return "\(quoted) has host bits set (did you mean \(network)?)"
        case .wrongFamily(_, let expected):
            let other: Family = expected == .ipv4 ? .ipv6 : .ipv4
            return "\(quoted) is an \(other.name) CIDR, expected \(expected.name)"
        }
    }
}
