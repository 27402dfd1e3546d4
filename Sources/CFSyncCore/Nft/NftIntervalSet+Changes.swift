/// What a committed element change leaves in an interval set, computed instead of read back,
/// and whether a read can be computed from: `NftablesBackend` proves a commit with these.
extension NftIntervalSet {
    /// Whether `elements`, read from the kernel, are exactly `encode(prefixes)` where
    /// `prefixes` is their decoding (besides `zeroEnd`): true unless an interval covers more
    /// than one prefix, which decodes into several prefixes whose encoding has more elements.
    /// So comparing counts suffices.
    public static func isExactEncoding<P: IPPrefix>(_ elements: [Element], of prefixes: [P]) -> Bool {
        let read = elements.count - elements.lazy.filter { $0 == zeroEnd }.count
        let reachesTop = prefixes.last.map { $0.last == P.Bits.max } ?? false
        return read == 2 * prefixes.count - (reachesTop ? 1 : 0)
    }

    /// The elements the kernel holds after committing `changes` (each a flush, deletions, then
    /// additions) over `before`, in key order (at a shared key the end first), without
    /// `zeroEnd`. The kernel refuses a batch that deletes an element it does not hold, and
    /// adding one it holds changes nothing; so after an accepted batch this is exact.
    /// Linear in the set's size (already sorted arrays sort in linear time).
    public static func applying(_ changes: [NftTransaction.SetChange], to before: [Element]) -> [Element] {
        var held = ordered(before)
        for change in changes {
            if change.flush { held = [] }
            held = subtracting(ordered(change.deletions), from: held)
            held = merging(held, ordered(change.additions))
        }
        return held
    }

    /// `elements` in key order, at a shared key the end first, without `zeroEnd`: the order
    /// `encode` writes sorted prefixes in.
    public static func ordered(_ elements: [Element]) -> [Element] {
        elements.filter { $0 != zeroEnd }.sorted(by: precedes)
    }

    private static func precedes(_ a: Element, _ b: Element) -> Bool {
        a.key != b.key ? a.key < b.key : a.isIntervalEnd && !b.isIntervalEnd
    }

    private static func subtracting(_ removed: [Element], from held: [Element]) -> [Element] {
        guard !removed.isEmpty else { return held }
        var out: [Element] = []
        out.reserveCapacity(held.count)
        var j = 0
        for element in held {
            while j < removed.count, precedes(removed[j], element) { j += 1 }
            if j < removed.count, removed[j] == element { continue }
            out.append(element)
        }
        return out
    }

    private static func merging(_ a: [Element], _ b: [Element]) -> [Element] {
        guard !b.isEmpty else { return a }
        var out: [Element] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            let next: Element
            if j == b.count || (i < a.count && !precedes(b[j], a[i])) {
                next = a[i]
                i += 1
            } else {
                next = b[j]
                j += 1
            }
            if out.last != next { out.append(next) }
        }
        return out
    }
}
