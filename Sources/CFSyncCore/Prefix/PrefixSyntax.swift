/// Result of scanning CIDR text, before host bits are checked. A plain enum rather than
/// a throw so the caller can try the other family cheaply to tell "wrong family" from "garbage".
enum SyntaxOutcome<Bits> {
    /// Well-formed; host bits may still be set.
    case prefix(address: Bits, length: Int)
    /// Well-formed address, but the length is out of range.
    case badLength(Int)
    case malformed

    var isMalformed: Bool {
        if case .malformed = self { return true }
        return false
    }
}

/// ASCII bytes the scanners compare against.
enum ASCII {
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let dot = UInt8(ascii: ".")
    static let colon = UInt8(ascii: ":")
    static let slash = UInt8(ascii: "/")

    @inline(__always)
    static func digit(_ byte: UInt8) -> UInt8? {
        byte &- zero < 10 ? byte &- zero : nil
    }

    @inline(__always)
    static func hexDigit(_ byte: UInt8) -> UInt8? {
        if byte &- zero < 10 { return byte &- zero }
        let lower = byte | 0x20
        if lower &- UInt8(ascii: "a") < 6 { return lower &- UInt8(ascii: "a") &+ 10 }
        return nil
    }
}

/// Scans "/n" at `index` (or nothing at the end of input) into a length. The length must be
/// 1-3 decimal digits without leading zeros and must end the input.
@inline(__always)
func scanLength<Bits>(
    _ bytes: UnsafeBufferPointer<UInt8>, from index: Int, address: Bits, maxLength: Int
) -> SyntaxOutcome<Bits> {
    var i = index
    if i == bytes.count { return .prefix(address: address, length: maxLength) }
    guard bytes[i] == ASCII.slash else { return .malformed }
    i += 1
    let start = i
    var length = 0
    while i < bytes.count, let d = ASCII.digit(bytes[i]) {
        guard i - start < 3 else { return .malformed }
        length = length * 10 + Int(d)
        i += 1
    }
    let digits = i - start
    guard i == bytes.count, digits > 0, digits == 1 || bytes[start] != ASCII.zero else { return .malformed }
    return length <= maxLength ? .prefix(address: address, length: length) : .badLength(length)
}
