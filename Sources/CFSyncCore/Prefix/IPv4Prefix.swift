/// An IPv4 network in CIDR form, e.g. 104.16.0.0/13. Host bits are zero by construction, so two
/// values are equal exactly when they denote the same network.
public struct IPv4Prefix: IPPrefix {
    public typealias Bits = UInt32
    public static let family = Family.ipv4
    public static let maxLength = 32

    public let address: UInt32
    // UInt8 keeps the struct at 8 bytes, which matters for million-entry lists.
    @usableFromInline let storedLength: UInt8

    @inlinable
    public var length: Int { Int(storedLength) }

    /// Concrete and inlinable (the protocol's default is neither) because sorting and
    /// aggregating large lists is dominated by this comparison.
    @inlinable
    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.address != rhs.address ? lhs.address < rhs.address : lhs.storedLength < rhs.storedLength
    }

    public init(containing address: UInt32, length: Int) {
        precondition((0...Self.maxLength).contains(length), "IPv4 prefix length \(length) is out of range")
        self.address = address & Self.netmask(length: length)
        self.storedLength = UInt8(length)
    }

    public init(address: Bits, length: Int) throws(PrefixError) {
        self = try Self.checked(address: address, length: length, format: IPv4Syntax.format)
    }

    public init(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(PrefixError) {
        self = try Self.parsed(bytes, IPv4Syntax.scan(bytes)) { IPv6Syntax.scan(bytes).isMalformed }
    }

    /// Canonical text, always with "/len".
    public var description: String { "\(IPv4Syntax.format(address))/\(length)" }
}
