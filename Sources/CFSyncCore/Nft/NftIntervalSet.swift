/// Turns the elements of an nftables interval set, as the kernel stores them, back into
/// prefixes.
///
/// The kernel keeps an interval [a, b] as a start element `a` and an element `b + 1`
/// flagged interval-end; an interval that reaches the top of the address space has no end
/// element, and nft adds an end element at key 0 that closes nothing. Adjacent intervals
/// share a key: the end of one and the start of the next.
public enum NftIntervalSet {
    public struct Element: Equatable, Sendable {
        /// The key read as a big-endian number (an IPv4 key uses the low 32 bits).
        public var key: UInt128
        public var isIntervalEnd: Bool

        public init(key: UInt128, isIntervalEnd: Bool) {
            self.key = key
            self.isIntervalEnd = isIntervalEnd
        }
    }

    /// The end element at key 0 that nft adds whenever it adds elements to an interval set that
    /// lacks it. It matches nothing; adding it again changes nothing.
    public static let zeroEnd = Element(key: 0, isIntervalEnd: true)

    /// The prefixes covering each interval, in address order; nil when the elements do not
    /// form disjoint intervals of `P`'s family (two starts in a row, an end that closes
    /// nothing away from key 0, a key too wide).
    public static func decode<P: IPPrefix>(_ elements: [Element], as _: P.Type) -> [P]? {
        // At a shared key the end of the lower interval comes before the start of the next.
        let sorted = elements.sorted { $0.key != $1.key ? $0.key < $1.key : $0.isIntervalEnd && !$1.isIntervalEnd }
        let top = UInt128(P.Bits.max)
        var result: [P] = []
        result.reserveCapacity(elements.count / 2)
        var open: P.Bits?
        for element in sorted {
            guard element.key <= top else { return nil }
            let key = P.Bits(element.key)
            if element.isIntervalEnd {
                guard let start = open else {
                    if key == 0 { continue }
                    return nil
                }
                // Sorted, so an end is always above the start it closes.
                let size = key - start
                if size & (size - 1) == 0, start & (size - 1) == 0 {
                    // The common case, one prefix: no intermediate array.
                    result.append(P(containing: start, length: P.maxLength - size.trailingZeroBitCount))
                } else {
                    result += prefixes(from: start, through: key - 1) as [P]
                }
                open = nil
            } else {
                guard open == nil else { return nil }
                open = key
            }
        }
        if let start = open { result += prefixes(from: start, through: P.Bits.max) as [P] }
        return result
    }

    /// The elements the kernel stores for `prefixes` (disjoint): each prefix's first address,
    /// and the address after its last flagged interval-end, except at the top of the space.
    public static func encode<P: IPPrefix>(_ prefixes: [P]) -> [Element] {
        var elements: [Element] = []
        elements.reserveCapacity(prefixes.count * 2)
        for prefix in prefixes {
            elements.append(Element(key: UInt128(prefix.first), isIntervalEnd: false))
            if prefix.last != P.Bits.max {
                elements.append(Element(key: UInt128(prefix.last) + 1, isIntervalEnd: true))
            }
        }
        return elements
    }
}

extension NftIntervalSet {
    public static func encode(_ prefixes: FamilyPrefixes) -> [Element] {
        switch prefixes {
        case .ipv4(let list): encode(list)
        case .ipv6(let list): encode(list)
        }
    }
}
