/// The checks both families share, so IPv4Prefix and IPv6Prefix differ only in
/// their syntax: a length out of range, host bits set, and telling "wrong family"
/// from garbage by scanning with the other family's syntax.
extension IPPrefix {
    /// The body of `init(address:length:)`.
    static func checked(address: Bits, length: Int, format: (Bits) -> String) throws(PrefixError) -> Self {
        guard (0...maxLength).contains(length) else {
            throw .badLength(text: "\(format(address))/\(length)", length: length, family: family)
        }
        let prefix = Self(containing: address, length: length)
        guard prefix.address == address else {
            throw .hostBitsSet(text: "\(format(address))/\(length)", network: prefix.description)
        }
        return prefix
    }

    /// The body of `init(utf8:)`: `outcome` is this family's scan, `otherFamilyIsMalformed`
    /// the other family's verdict on the same bytes.
    @inline(__always)
    static func parsed(
        _ bytes: UnsafeBufferPointer<UInt8>, _ outcome: SyntaxOutcome<Bits>, otherFamilyIsMalformed: () -> Bool
    ) throws(PrefixError) -> Self {
        switch outcome {
        case .prefix(let address, let length):
            let prefix = Self(containing: address, length: length)
            guard prefix.address == address else {
                throw .hostBitsSet(text: String(decoding: bytes, as: UTF8.self), network: prefix.description)
            }
            return prefix
        case .badLength(let length):
            throw .badLength(text: String(decoding: bytes, as: UTF8.self), length: length, family: family)
        case .malformed:
            let text = String(decoding: bytes, as: UTF8.self)
            if otherFamilyIsMalformed() { throw .malformed(text: text, expected: family) }
            throw .wrongFamily(text: text, expected: family)
        }
    }
}
