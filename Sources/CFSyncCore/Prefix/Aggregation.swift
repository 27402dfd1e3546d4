/// Sorted, minimal list covering exactly the same addresses (drops duplicates and contained
/// prefixes, merges sibling halves repeatedly). O(n log n).
///
/// Firewall sets must not hold overlapping intervals, and a minimal list keeps diffs small.
public func aggregate<P: IPPrefix>(_ prefixes: some Sequence<P>) -> [P] {
    aggregateArray(Array(prefixes))
}

/// Specialised for both families because callers live in other modules, where an
/// unspecialised generic sort of a million prefixes is several times slower.
@_specialize(where P == IPv4Prefix)
@_specialize(where P == IPv6Prefix)
func aggregateArray<P: IPPrefix>(_ input: [P]) -> [P] {
    var sorted = input
    sorted.sort()
    var result: [P] = []
    result.reserveCapacity(sorted.count)
    for prefix in sorted {
        // Sorted by address with covering prefixes first: an overlap can only be containment.
        if let top = result.last, prefix.address <= top.last { continue }
        result.append(prefix)
        while result.count >= 2 {
            let upper = result[result.count - 1], lower = result[result.count - 2]
            guard let parent = mergedParent(lower, upper) else { break }
            result.removeLast(2)
            result.append(parent)
        }
    }
    return result
}

/// The parent of two sibling halves, or nil when `lower` and `upper` are not siblings.
@inline(__always)
func mergedParent<P: IPPrefix>(_ lower: P, _ upper: P) -> P? {
    guard lower.length == upper.length, lower.length > 0 else { return nil }
    let half = P.Bits(1) &<< P.Bits(P.maxLength - lower.length)
    guard lower.address & half == 0, upper.address == lower.address | half else { return nil }
    return P(containing: lower.address, length: lower.length - 1)
}

/// Minimal sorted prefixes covering exactly first...last (used to read back ranges like
/// 104.16.0.0-104.27.255.255 that nft may print). Empty when first > last.
public func prefixes<P: IPPrefix>(from first: P.Bits, through last: P.Bits) -> [P] {
    guard first <= last else { return [] }
    var result: [P] = []
    var start = first
    while true {
        // Largest block aligned at `start` that does not run past `last`.
        let span = last - start
        let bySpan = span == P.Bits.max ? P.maxLength : P.maxLength - 1 - (span + 1).leadingZeroBitCount
        let byAlignment = start == 0 ? P.maxLength : start.trailingZeroBitCount
        let hostBits = min(bySpan, byAlignment)
        let block = P(containing: start, length: P.maxLength - hostBits)
        result.append(block)
        if block.last == last { return result }
        start = block.last + 1
    }
}

/// Number of addresses covered (after aggregation), as Double.
public func coverage<P: IPPrefix>(_ prefixes: [P]) -> Double {
    aggregate(prefixes).reduce(0) { $0 + $1.addressCount }
}
