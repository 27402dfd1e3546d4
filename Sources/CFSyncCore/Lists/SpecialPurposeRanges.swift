/// IANA IPv4 and IPv6 Special-Purpose Address Registries (plus the IPv6 global unicast
/// boundary), as data. A published allowlist that touches any of these is broken or hostile.
enum SpecialPurposeRanges {
    /// One registry row, widened to 128 bits so one overlap check serves both families.
    struct Entry: Sendable {
        let first: UInt128
        let last: UInt128
        let text: String
        let name: String

        init<P: IPPrefix>(_ prefix: P, _ name: String) {
            first = UInt128(prefix.first)
            last = UInt128(prefix.last)
            text = prefix.description
            self.name = name
        }
    }

    /// Exact entries come before the ranges that contain them, so the more specific name wins.
    static let ipv4: [Entry] = [
        Entry(v4(0, 0, 0, 0, 8), "this network"),
        Entry(v4(10, 0, 0, 0, 8), "private-use"),
        Entry(v4(100, 64, 0, 0, 10), "shared address space"),
        Entry(v4(127, 0, 0, 0, 8), "loopback"),
        Entry(v4(169, 254, 0, 0, 16), "link-local"),
        Entry(v4(172, 16, 0, 0, 12), "private-use"),
        Entry(v4(192, 0, 0, 0, 24), "IETF protocol assignments"),
        Entry(v4(192, 0, 2, 0, 24), "documentation"),
        Entry(v4(192, 88, 99, 0, 24), "6to4 relay anycast"),
        Entry(v4(192, 168, 0, 0, 16), "private-use"),
        Entry(v4(198, 18, 0, 0, 15), "benchmarking"),
        Entry(v4(198, 51, 100, 0, 24), "documentation"),
        Entry(v4(203, 0, 113, 0, 24), "documentation"),
        Entry(v4(224, 0, 0, 0, 4), "multicast"),
        Entry(v4(255, 255, 255, 255, 32), "limited broadcast"),
        Entry(v4(240, 0, 0, 0, 4), "reserved"),
    ]

    static let ipv6: [Entry] = [
        Entry(v6([], 128), "unspecified"),
        Entry(v6([0, 0, 0, 0, 0, 0, 0, 1], 128), "loopback"),
        Entry(v6([0, 0, 0, 0, 0, 0xffff], 96), "IPv4-mapped"),
        Entry(v6([0x64, 0xff9b], 96), "IPv4-IPv6 translation"),
        Entry(v6([0x64, 0xff9b, 1], 48), "local-use IPv4-IPv6 translation"),
        Entry(v6([0x100], 64), "discard-only"),
        Entry(v6([0x2001], 23), "IETF protocol assignments"),
        Entry(v6([0x2001, 0xdb8], 32), "documentation"),
        Entry(v6([0x2002], 16), "6to4"),
        Entry(v6([0x3fff], 20), "documentation"),
        Entry(v6([0x5f00], 16), "segment routing (SRv6) SIDs"),
        Entry(v6([0xfc00], 7), "unique-local"),
        Entry(v6([0xfe80], 10), "link-local unicast"),
        Entry(v6([0xff00], 8), "multicast"),
    ]

    /// Every IPv6 prefix in a list must lie inside this.
    static let ipv6GlobalUnicast = v6([0x2000], 3)

    /// Shortest prefix a list may hold, per family.
    static func minimumLength(for family: Family) -> Int {
        family == .ipv4 ? 8 : 16
    }

    static func entries(for family: Family) -> [Entry] {
        family == .ipv4 ? ipv4 : ipv6
    }

    /// Just the bounds, in table order: the hot loop of list parsing scans these, and
    /// touching `Entry` values there would retain and release their strings every time.
    static let ipv4Bounds = ipv4.map { $0.first...$0.last }
    static let ipv6Bounds = ipv6.map { $0.first...$0.last }

    /// Index of the first entry overlapping first...last, if any.
    @inline(__always)
    static func firstOverlap(_ family: Family, first: UInt128, last: UInt128) -> Int? {
        let bounds = family == .ipv4 ? ipv4Bounds : ipv6Bounds
        return bounds.withUnsafeBufferPointer { table in
            table.firstIndex { first <= $0.upperBound && $0.lowerBound <= last }
        }
    }

    private static func v4(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ length: Int) -> IPv4Prefix {
        IPv4Prefix(containing: a << 24 | b << 16 | c << 8 | d, length: length)
    }

    /// Leading groups of the address (the rest are zero), as written before "::".
    private static func v6(_ groups: [UInt16], _ length: Int) -> IPv6Prefix {
        let address = groups.enumerated().reduce(UInt128(0)) { sum, group in
            sum | UInt128(group.element) << (16 * (7 - group.offset))
        }
        return IPv6Prefix(containing: address, length: length)
    }
}
