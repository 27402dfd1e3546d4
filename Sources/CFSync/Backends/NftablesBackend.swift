import CFSyncCore
import Nftables

/// nftables through libnftables: table `inet cfsync`, interval sets per family
/// and one input-hook chain; see `NftLayout`.
public struct NftablesBackend: Backend {
    public var kind: BackendKind { .nftables }
    public var objects: String { "table inet cfsync (sets allow_v4, allow_v6; chain input)" }
    private let nft: NftContext

    public init() throws {
        nft = try NftContext()
    }

    /// Whether the kernel answers nf_tables requests here: `list tables` is the
    /// cheapest question, so `auto` does not pay for a listing of cfsync's sets.
    public var isUsable: Bool {
        (try? nft.run("list tables")) != nil
    }

    private static let table = "\(NftLayout.family) \(NftLayout.table)"

    /// What `apply` needs of an observation besides the prefixes.
    struct Read: Sendable {
        /// The ruleset generation read before anything else: a commit carrying it is refused
        /// if the ruleset changed after it, so the read that followed can be newer than the
        /// generation, never older.
        var generation: UInt32
        /// The elements read are exactly the encoding of the prefixes decoded from them (every
        /// interval one prefix), so the observed prefixes changed by the committed elements are
        /// what the kernel holds after a commit.
        var exact: Bool
    }

    /// The generation, then the structure from a terse listing of the inet ruleset and the
    /// elements of cfsync's sets from netlink dumps (`NftTerseTable`); a table holding anything
    /// those cannot show is read from one full text listing instead.
    public func observe(_ policy: Policy) throws -> Observation {
        let generation = try NftSets.generation()
        guard let reading = try read() else {
            return Observation(installed: .absent, dump: { "" }, record: Read(generation: generation, exact: true))
        }
        let differences = NftLayout(policy: policy).differences(fromTerseListing: reading.terse)
        return Observation(
            installed: InstalledState(structure: differences.isEmpty ? .matches : .differs(differences), lists: reading.lists),
            dump: reading.listing, record: Read(generation: generation, exact: reading.exact))
    }

    /// What the kernel holds: the terse structure, the prefixes in cfsync's sets, whether the
    /// elements are exactly their encoding, and the text `nft list table` prints (the
    /// snapshot). nil when the table does not exist.
    private func read() throws -> (terse: String, lists: AddressLists, exact: Bool, listing: () -> String)? {
        guard let table = NftTerseTable(ruleset: try nft.run("list ruleset \(NftLayout.family)", format: .terse)) else {
            return nil
        }
        if let families = table.interpretableSets, let (lists, exact) = try readSets(families) {
            return (table.text, lists, exact, { table.listing(with: lists) })
        }
        guard let text = try listTable(.text) else { return nil }
        if let parsed = NftListingText.parse(text) {
            return (parsed.terse, parsed.lists, false, { text })
        }
        return (table.text, try NftSetElements.parse(json: try listTable(.json) ?? ""), false, { text })
    }

    /// cfsync's interval sets through netlink, and whether the elements are exactly the
    /// encoding of the prefixes; nil when an element is one the reader does not interpret, or
    /// the elements do not form intervals.
    private func readSets(_ families: [Family]) throws -> (AddressLists, Bool)? {
        var lists = AddressLists()
        var exact = true
        for family in families {
            let elements: [NftIntervalSet.Element]
            do {
                elements = try NftSets.elements(
                    table: NftLayout.table, set: NftLayout.setName(family), keyLength: Self.keyLength(family))
            } catch {
                if error.kind == .uninterpretable { return nil }
                throw error
            }
            switch family {
            case .ipv4:
                guard let prefixes = NftIntervalSet.decode(elements, as: IPv4Prefix.self) else { return nil }
                lists.ipv4 = prefixes
                exact = exact && NftIntervalSet.isExactEncoding(elements, of: prefixes)
            case .ipv6:
                guard let prefixes = NftIntervalSet.decode(elements, as: IPv6Prefix.self) else { return nil }
                lists.ipv6 = prefixes
                exact = exact && NftIntervalSet.isExactEncoding(elements, of: prefixes)
            }
        }
        return (lists, exact)
    }

    /// `list table inet cfsync`; nil when the table does not exist.
    private func listTable(_ format: NftContext.OutputFormat) throws -> String? {
        do {
            return try nft.run("list table \(Self.table)", format: format)
        } catch {
            if error.kind == .notFound { return nil }
            throw error
        }
    }

    public func snapshot() throws -> String {
        try read()?.listing() ?? ""
    }

    /// add+delete empties the table whether or not it exists; the dump then
    /// re-declares it, all in one transaction.
    public func restore(_ dump: String) throws {
        try nft.run("add table \(Self.table)\ndelete table \(Self.table)\n" + dump)
    }

    public func diagnose(_ policy: Policy) -> [Finding] {
        do {
            let chains = try nft.run("list chains", format: .json)
            return [Finding("nftables", .ok, "libnftables can read the ruleset")]
                + (try NftFindings.otherDroppingInputChains(chainsJSON: chains, policy: policy))
        } catch {
            return [Finding("nftables", .error, "libnftables cannot read the ruleset: \(CFSyncError.classify(error).message) (cfsync needs root / CAP_NET_ADMIN)")]
        }
    }

    public func script(for plan: SyncPlan) -> String {
        NftRenderer.script(for: plan)
    }

    /// Runs the renderer's transactions in order, each at the generation the previous one
    /// left (the first at the observed one). One that only changes set elements goes to the
    /// kernel as one netlink batch (`NftSets.change`) carrying that generation: nft 1.0.6
    /// would walk every installed element in user space for each element it deletes, and
    /// takes ~3× as long to load 100k. Anything else is the libnftables transaction
    /// `script(for:)` shows, after checking the generation (libnftables checks only against
    /// the generation it reads itself).
    public func apply(_ plan: SyncPlan, over observed: Observation) throws -> Applied {
        guard let read = observed.record as? Read else {
            throw CFSyncError.failed("nftables: apply over an observation of another backend")
        }
        let transactions = NftRenderer.transactions(for: plan)
        var generation = read.generation
        for (i, tx) in transactions.enumerated() {
            if i > 0 { try Failpoint.betweenTransactions.hit() }
            do {
                try run(tx, at: generation)
            } catch let error as NftError where error.kind == .changed && i == 0 {
                throw ChangedSinceObserved()
            }
            generation = Self.next(generation)
        }
        return try proves(plan, transactions, over: observed.installed, exact: read.exact, generation: generation) ? .proven : .unproven
    }

    private func run(_ tx: NftTransaction, at generation: UInt32) throws {
        guard let changes = tx.setChanges else {
            guard try NftSets.generation() == generation else { throw NftError.changed }
            try nft.run(tx.description)
            return
        }
        try NftSets.change(table: NftLayout.table, generation: generation, changes.map { change in
            NftSets.Changes(
                set: NftLayout.setName(change.family), keyLength: Self.keyLength(change.family),
                flush: change.flush, deletions: change.deletions, additions: change.additions)
        })
    }

    /// Whether the kernel's own answers prove it holds exactly `plan`, without reading the sets
    /// back: the generation moved by exactly cfsync's commits (each commit adds one, and every
    /// one was accepted at the generation the previous left, so nothing else committed in
    /// between); a structural change reads back as the layout (the terse listing, ~1 ms); and
    /// every element reached the kernel as a netlink change whose result, applied to what was
    /// observed, is the encoding of the desired prefixes. A rebuild sends its elements as nft
    /// text, so it is read back.
    private func proves(_ plan: SyncPlan, _ transactions: [NftTransaction], over installed: InstalledState,
                        exact: Bool, generation: UInt32) throws -> Bool {
        if case .rebuild = plan.structure { return false }
        guard exact, try NftSets.generation() == generation else { return false }
        if plan.structure == .create {
            guard let table = NftTerseTable(ruleset: try nft.run("list ruleset \(NftLayout.family)", format: .terse)),
                  table.interpretableSets == plan.policy.families,
                  NftLayout(policy: plan.policy).differences(fromTerseListing: table.text).isEmpty
            else { return false }
        }
        let changes = transactions.compactMap(\.setChanges).joined()
        return plan.policy.families.allSatisfy { family in
            let before = plan.structure == .none ? NftIntervalSet.encode(installed.lists.prefixes(family)) : []
            return NftIntervalSet.applying(changes.filter { $0.family == family }, to: before)
                == NftIntervalSet.ordered(NftIntervalSet.encode(plan.desired.prefixes(family)))
        }
    }

    /// The generation after one more commit: the kernel skips 0 when it wraps.
    private static func next(_ generation: UInt32) -> UInt32 {
        generation == .max ? 1 : generation + 1
    }

    private static func keyLength(_ family: Family) -> Int {
        family.maxLength / 8
    }
}
