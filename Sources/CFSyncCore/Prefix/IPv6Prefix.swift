/// An IPv6 network in CIDR form, e.g. 2400:cb00::/32. Host bits are zero by construction, so two
/// values are equal exactly when they denote the same network.
public struct IPv6Prefix: IPPrefix {
    public typealias Bits = UInt128
    public static let family = Family.ipv6
    public static let maxLength = 128

    public let address: UInt128
    @usableFromInline let storedLength: UInt8

    @inlinable
    public var length: Int { Int(storedLength) }

    /// Concrete and inlinable (the protocol's default is neither) because sorting and
    /// aggregating large lists is dominated by this comparison.
    @inlinable
    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.address != rhs.address ? lhs.address < rhs.address : lhs.storedLength < rhs.storedLength
    }

    public init(containing address: UInt128, length: Int) {
        precondition((0...Self.maxLength).contains(length), "IPv6 prefix length \(length) is out of range")
        self.address = address & Self.netmask(length: length)
        self.storedLength = UInt8(length)
    }

    public init(address: Bits, length: Int) throws(PrefixError) {
        self = try Self.checked(address: address, length: length, format: IPv6Syntax.format)
    }

    public init(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(PrefixError) {
        self = try Self.parsed(bytes, IPv6Syntax.scan(bytes)) { IPv4Syntax.scan(bytes).isMalformed }
    }

    /// Canonical text, always with "/len".
    public var description: String { "\(IPv6Syntax.format(address))/\(length)" }
}
