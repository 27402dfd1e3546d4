/// One nftables transaction as a plain value: an ordered list of operations.
/// `description` is exactly the script libnftables runs, so the dry run is its text.
public struct NftTransaction: Equatable, Sendable, CustomStringConvertible {
    public enum Operation: Equatable, Sendable {
        case addTable
        case deleteTable
        /// The set with its elements: declared together, nft 1.0.6 loads 100k prefixes in
        /// ~0.5 s instead of ~0.75 s for an `add element` that follows the declaration.
        case addSet(FamilyPrefixes)
        case addChain
        case addRule(String)
        case flushSet(Family)
        case addElements(FamilyPrefixes)
        case deleteElements(FamilyPrefixes)
        case addForwardChain
        case addForwardRule(String)

        var script: String {
            let table = "\(NftLayout.family) \(NftLayout.table)"
            switch self {
            case .addTable:
                return "add table \(table)"
            case .deleteTable:
                return "delete table \(table)"
            case .addSet(let elements):
                let declared = "add set \(table) \(NftLayout.setName(elements.family)) { type \(NftLayout.setType(elements.family)); flags interval;"
                return elements.isEmpty ? declared + " }" : declared + " elements = { \(elements.descriptions.joined(separator: ", ")) }; }"
            case .addChain:
                return "add chain \(table) \(NftLayout.chain) { \(NftLayout.chainSpec) }"
            case .addRule(let rule):
                return "add rule \(table) \(NftLayout.chain) \(rule)"
            case .flushSet(let family):
                return "flush set \(table) \(NftLayout.setName(family))"
            case .addElements(let elements):
                return "add element \(table) \(NftLayout.setName(elements.family)) { \(elements.descriptions.joined(separator: ", ")) }"
            case .deleteElements(let elements):
                return "delete element \(table) \(NftLayout.setName(elements.family)) { \(elements.descriptions.joined(separator: ", ")) }"
            case .addForwardChain:
                return "add chain \(table) \(NftLayout.forwardChain) { \(NftLayout.forwardChainSpec) }"
            case .addForwardRule(let rule):
                return "add rule \(table) \(NftLayout.forwardChain) \(rule)"
            }
        }
    }

    /// What a transaction that touches only set elements does to one set: flush, then
    /// delete, then add, in the order the script says.
    public struct SetChange: Equatable, Sendable {
        public var family: Family
        public var flush: Bool
        public var deletions: [NftIntervalSet.Element]
        public var additions: [NftIntervalSet.Element]

        public init(family: Family, flush: Bool = false, deletions: [NftIntervalSet.Element] = [], additions: [NftIntervalSet.Element] = []) {
            self.family = family
            self.flush = flush
            self.deletions = deletions
            self.additions = additions
        }
    }

    public private(set) var operations: [Operation] = []

    public init(_ operations: [Operation] = []) { self.operations = operations }

    public mutating func append(_ op: Operation) {
        switch op {
        case .addElements(let e), .deleteElements(let e):
            if e.isEmpty { return }
        default: break
        }
        operations.append(op)
    }

    public var isEmpty: Bool { operations.isEmpty }

    public var description: String {
        operations.map { $0.script + "\n" }.joined()
    }

    /// The same transaction as element changes, one per set in order of appearance, when it
    /// only flushes sets and deletes and adds elements, with every flush and delete of a set
    /// before its adds (as the renderer writes them); nil otherwise. Such a transaction can
    /// go to the kernel as one netlink batch instead of through libnftables. Additions open
    /// with `NftIntervalSet.zeroEnd`, as nft's do, so the kernel holds what nft would.
    public var setChanges: [SetChange]? {
        var changes: [SetChange] = []
        func index(_ family: Family) -> Int {
            if let i = changes.firstIndex(where: { $0.family == family }) { return i }
            changes.append(SetChange(family: family))
            return changes.count - 1
        }
        for op in operations {
            switch op {
            case .flushSet(let family):
                let i = index(family)
                guard changes[i].deletions.isEmpty && changes[i].additions.isEmpty else { return nil }
                changes[i].flush = true
            case .deleteElements(let prefixes):
                let i = index(prefixes.family)
                guard changes[i].additions.isEmpty else { return nil }
                changes[i].deletions += NftIntervalSet.encode(prefixes)
            case .addElements(let prefixes):
                let i = index(prefixes.family)
                if changes[i].additions.isEmpty { changes[i].additions = [NftIntervalSet.zeroEnd] }
                changes[i].additions += NftIntervalSet.encode(prefixes)
            default:
                return nil
            }
        }
        return changes.isEmpty ? nil : changes
    }
}
