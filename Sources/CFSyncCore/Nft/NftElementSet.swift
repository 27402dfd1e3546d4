/// The elements of an interval set compared as a set, without `NftIntervalSet.zeroEnd` (which
/// closes nothing, and which nft adds whenever it adds elements): what a read and the result of
/// committed changes are compared as.
public struct NftElementSet: Equatable, Sendable {
    private var elements: Set<NftIntervalSet.Element>

    public init(_ elements: [NftIntervalSet.Element]) {
        self.elements = Set(elements)
        self.elements.remove(NftIntervalSet.zeroEnd)
    }

    /// What the kernel holds after it committed `change` over these elements (it refuses a
    /// batch that deletes an element it does not hold, and adding one it holds changes nothing).
    public mutating func apply(_ change: NftTransaction.SetChange) {
        if change.flush { elements.removeAll() }
        elements.subtract(change.deletions)
        elements.formUnion(change.additions)
        elements.remove(NftIntervalSet.zeroEnd)
    }
}
