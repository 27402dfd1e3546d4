import CFSyncCore
import Nftables

/// An in-memory kernel for `NftablesBackend`: table `inet cfsync` as its terse structure plus
/// the elements of its sets, and the ruleset generation, with the kernel's rules for what it
/// models: every commit adds one to the generation; a netlink batch carrying another generation
/// is refused whole (`.changed`), as is one deleting an element that is not held (`.notFound`);
/// adding a held element changes nothing. It runs the libnftables commands the backend sends
/// for reads and restores (`list ruleset inet` terse, `list table`, `list tables`, and
/// `add table`+`delete table`+a listing); any other script throws, so a test can never pass on
/// a command the fake only pretends to run.
public final class FakeNftKernel: NftKernel {
    public typealias Element = NftIntervalSet.Element

    /// `nft -t list table inet cfsync`; nil when the table does not exist.
    public private(set) var terse: String?
    /// The elements of each set of the table, by set name, in key order.
    public private(set) var sets: [String: [Element]] = [:]
    public private(set) var currentGeneration: UInt32
    /// nil: a kernel that cannot tell its network namespace.
    public var currentPlace: NftCommitRecord.Place?
    /// How many element dumps were asked for.
    public private(set) var dumps = 0
    /// Every script run as a transaction, in order.
    public private(set) var scripts: [String] = []

    public init(generation: UInt32 = 1, place: NftCommitRecord.Place? = NftCommitRecord.Place(bootID: "boot-a", netnsCookie: 4096)) {
        currentGeneration = generation
        currentPlace = place
    }

    /// Another program's commit: installs `layout`'s table holding `lists` (a reload).
    public func load(_ layout: NftLayout, _ lists: AddressLists) {
        terse = layout.terseListing
        sets = [:]
        for family in layout.policy.families {
            sets[NftLayout.setName(family)] = NftIntervalSet.ordered(NftIntervalSet.encode(lists.prefixes(family)))
        }
        commit()
    }

    /// Another program's commit: `nft add element inet cfsync <set> { prefixes }`.
    public func addElements(_ prefixes: FamilyPrefixes) {
        let name = NftLayout.setName(prefixes.family)
        sets[name] = NftIntervalSet.applying(
            [NftTransaction.SetChange(family: prefixes.family, deletions: [], additions: NftIntervalSet.encode(prefixes))],
            to: sets[name] ?? [])
        commit()
    }

    /// Another program's commit that leaves cfsync's table alone (`nft add table ip other`).
    public func commitElsewhere() {
        commit()
    }

    private func commit() {
        currentGeneration = currentGeneration == .max ? 1 : currentGeneration + 1
    }

    // MARK: NftKernel

    public func generation() throws(NftError) -> UInt32 { currentGeneration }

    public func place() -> NftCommitRecord.Place? { currentPlace }

    @discardableResult
    public func run(_ commands: String, format: NftContext.OutputFormat) throws(NftError) -> String {
        switch (commands, format) {
        case ("list ruleset \(NftLayout.family)", .terse):
            return terse ?? ""
        case ("list tables", _):
            return terse == nil ? "" : "table \(NftLayout.family) \(NftLayout.table)\n"
        case ("list table \(NftLayout.family) \(NftLayout.table)", .text):
            guard let terse, let table = NftTerseTable(ruleset: terse) else { throw Self.noTable }
            return table.listing(with: try heldLists())
        default:
            break
        }
        let emptying = "add table \(NftLayout.family) \(NftLayout.table)\ndelete table \(NftLayout.family) \(NftLayout.table)\n"
        guard commands.hasPrefix(emptying), let parsed = NftListingText.parse(String(commands.dropFirst(emptying.count))) else {
            throw NftError(kind: .other, message: "FakeNftKernel does not model: \(commands.prefix(80))")
        }
        scripts.append(commands)
        if parsed.terse.isEmpty {
            terse = nil
            sets = [:]
        } else {
            terse = parsed.terse
            sets = [:]
            for family in NftTerseTable(ruleset: parsed.terse)?.interpretableSets ?? [] {
                sets[NftLayout.setName(family)] = NftIntervalSet.ordered(NftIntervalSet.encode(parsed.lists.prefixes(family)))
            }
        }
        commit()
        return ""
    }

    public func elements(set: String, keyLength: Int) throws(NftError) -> [Element] {
        dumps += 1
        guard terse != nil, let elements = sets[set] else { throw Self.noTable }
        return elements
    }

    public func change(generation: UInt32, _ changes: [NftSets.Changes]) throws(NftError) {
        guard generation == 0 || generation == currentGeneration else { throw NftError.changed }
        var after = sets
        for change in changes {
            guard let held = after[change.set] else { throw Self.noTable }
            let kept = change.flush ? [] : held
            guard change.deletions.allSatisfy(kept.contains) else {
                throw NftError(kind: .notFound, message: "an element to delete is not installed")
            }
            after[change.set] = NftIntervalSet.applying(
                [NftTransaction.SetChange(family: change.keyLength == 4 ? .ipv4 : .ipv6, flush: change.flush,
                                          deletions: change.deletions, additions: change.additions)],
                to: held)
        }
        sets = after
        commit()
    }

    private func heldLists() throws(NftError) -> AddressLists {
        var lists = AddressLists()
        if let elements = sets[NftLayout.setName(.ipv4)] {
            guard let prefixes = NftIntervalSet.decode(elements, as: IPv4Prefix.self) else { throw Self.noTable }
            lists.ipv4 = prefixes
        }
        if let elements = sets[NftLayout.setName(.ipv6)] {
            guard let prefixes = NftIntervalSet.decode(elements, as: IPv6Prefix.self) else { throw Self.noTable }
            lists.ipv6 = prefixes
        }
        return lists
    }

    private static let noTable = NftError(kind: .notFound, message: "No such file or directory")
}
