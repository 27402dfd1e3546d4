/// What to change to turn the installed prefixes into the desired ones. Compared as
/// prefixes, not addresses: a /12 replaced by a /13 and a /14 is a remove and two adds,
/// which is exactly what the firewall needs to be told.
public struct PrefixDiff<P: IPPrefix>: Equatable, Sendable {
    /// In desired, not installed; sorted, no duplicates.
    public var add: [P]
    /// In installed, not desired; sorted, no duplicates.
    public var remove: [P]

    /// Sorts both sides and walks them once. O(n log n).
    public init(installed: [P], desired: [P]) {
        let have = sortedUnique(installed), want = sortedUnique(desired)
        var add: [P] = [], remove: [P] = []
        var h = 0, w = 0
        while h < have.count || w < want.count {
            if w == want.count || (h < have.count && have[h] < want[w]) {
                remove.append(have[h])
                h += 1
            } else if h == have.count || want[w] < have[h] {
                add.append(want[w])
                w += 1
            } else {
                h += 1
                w += 1
            }
        }
        self.add = add
        self.remove = remove
    }

    public var isEmpty: Bool { add.isEmpty && remove.isEmpty }
}

private func sortedUnique<P: IPPrefix>(_ prefixes: [P]) -> [P] {
    var sorted = prefixes.sorted()
    var kept = 0
    for index in sorted.indices where index == 0 || sorted[index] != sorted[kept - 1] {
        sorted[kept] = sorted[index]
        kept += 1
    }
    sorted.removeLast(sorted.count - kept)
    return sorted
}
