/// A CIDR network of one family. Generic code (aggregation, diff, guards, list parsing) is
/// written once against this protocol; `IPv4Prefix` and `IPv6Prefix` are the only conformers.
public protocol IPPrefix: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    associatedtype Bits: FixedWidthInteger & UnsignedInteger & Sendable
    static var family: Family { get }
    /// 32 or 128
    static var maxLength: Int { get }
    /// network address; host bits are always zero
    var address: Bits { get }
    var length: Int { get }
    /// throws .hostBitsSet / .badLength
    init(address: Bits, length: Int) throws(PrefixError)
    /// The network of `length` that contains `address` (host bits cleared). For arithmetic on
    /// values already known to be valid; traps if `length` is outside 0...maxLength.
    init(containing address: Bits, length: Int)
    /// "a.b.c.d/n" or "x:y::/n"; a bare address means /32 or /128. Strict: no spaces, no leading
    /// zeros in IPv4 octets, no zone ids. Host bits set -> .hostBitsSet. Wrong family -> .wrongFamily.
    init(parsing text: some StringProtocol) throws(PrefixError)
    /// Same rules as `init(parsing:)`, on raw UTF-8 bytes, so list parsing needs no String per line.
    init(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(PrefixError)
    var first: Bits { get }
    var last: Bits { get }
    func contains(_ other: Self) -> Bool
    func overlaps(_ other: Self) -> Bool
    /// 2^(maxLength-length) as Double, for coverage arithmetic
    var addressCount: Double { get }
}

extension IPPrefix {
    /// Mask with the top `length` bits set.
    @inline(__always)
    public static func netmask(length: Int) -> Bits {
        length == 0 ? 0 : Bits.max &<< Bits(maxLength - length)
    }

    public var first: Bits { address }

    public var last: Bits { address | ~Self.netmask(length: length) }

    public func contains(_ other: Self) -> Bool {
        other.length >= length && other.address & Self.netmask(length: length) == address
    }

    /// CIDR blocks are either nested or disjoint, so overlap is containment one way or the other.
    public func overlaps(_ other: Self) -> Bool {
        contains(other) || other.contains(self)
    }

    public var addressCount: Double {
        Double(sign: .plus, exponent: Self.maxLength - length, significand: 1)
    }

    public init(parsing text: some StringProtocol) throws(PrefixError) {
        self = try withUTF8Bytes(of: text) { bytes throws(PrefixError) in try Self(utf8: bytes) }
    }

    /// By address, then shorter first, so a covering prefix sorts before what it covers.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.address != rhs.address ? lhs.address < rhs.address : lhs.length < rhs.length
    }
}

/// Runs `body` on the UTF-8 bytes of `text`, copying only when the string is not contiguous.
func withUTF8Bytes<T>(
    of text: some StringProtocol,
    _ body: (UnsafeBufferPointer<UInt8>) throws(PrefixError) -> T
) throws(PrefixError) -> T {
    let direct: Result<T, PrefixError>? = text.utf8.withContiguousStorageIfAvailable { bytes in
        do throws(PrefixError) { return .success(try body(bytes)) } catch { return .failure(error) }
    }
    if let direct { return try direct.get() }
    let copy = Array(text.utf8)
    let copied: Result<T, PrefixError> = copy.withUnsafeBufferPointer { bytes in
        do throws(PrefixError) { return .success(try body(bytes)) } catch { return .failure(error) }
    }
    return try copied.get()
}
