import CFSyncCore
import Nftables

/// nftables through libnftables: table `inet cfsync`, interval sets per family
/// and one input-hook chain; see `NftLayout`.
public struct NftablesBackend: Backend {
    public var kind: BackendKind { .nftables }
    public var objects: String { "table inet cfsync (sets allow_v4, allow_v6; chain input)" }
    private let kernel: any NftKernel
    /// Where the last proven commit is recorded, so that the next run can skip the element dump;
    /// nil: never recorded, always dumped.
    private let commitRecord: NftCommitRecordFile?

    public init(commitRecord: NftCommitRecordFile? = nil) throws {
        try self.init(kernel: SystemNftKernel(table: NftLayout.table), commitRecord: commitRecord)
    }

    /// The backend over `kernel` (a `FakeNftKernel` in tests).
    public init(kernel: any NftKernel, commitRecord: NftCommitRecordFile?) {
        self.kernel = kernel
        self.commitRecord = commitRecord
    }

    /// Whether the kernel answers nf_tables requests here: `list tables` is the
    /// cheapest question, so `auto` does not pay for a listing of cfsync's sets.
    public var isUsable: Bool {
        (try? kernel.run("list tables")) != nil
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

    /// The generation, then the structure from a terse listing of the inet ruleset, and the
    /// elements of cfsync's sets: from the commit record when `NftCommitRecord.trust` allows it
    /// (nothing committed since cfsync's last proven commit), else from netlink dumps
    /// (`NftTerseTable`); a table holding anything those cannot show is read from one full text
    /// listing instead.
    public func observe(_ policy: Policy) throws -> Observation {
        let generation = try kernel.generation()
        let layout = NftLayout(policy: policy)
        let reading = try read { table, families in
            guard let commitRecord else { return nil }
            let trust = NftCommitRecord.trust(
                commitRecord.load(), place: kernel.place(), generation: generation,
                structureMatches: layout.differences(fromTerseListing: table.text).isEmpty, families: families)
            guard case .trusted(let lists) = trust else { return nil }
            return lists
        }
        guard let reading else {
            return Observation(installed: .absent, dump: { "" }, record: Read(generation: generation, exact: true))
        }
        let differences = layout.differences(fromTerseListing: reading.terse)
        return Observation(
            installed: InstalledState(structure: differences.isEmpty ? .matches : .differs(differences), lists: reading.lists),
            dump: reading.listing, record: Read(generation: generation, exact: reading.exact))
    }

    /// What the kernel holds: the terse structure, the prefixes in cfsync's sets, whether the
    /// elements are exactly their encoding, and the text `nft list table` prints (the
    /// snapshot). nil when the table does not exist. `recorded` may stand in for the element
    /// dumps: it returns the prefixes of a trusted commit record for the table and its sets'
    /// families, whose elements cfsync itself committed as their exact encoding.
    private func read(recorded: (NftTerseTable, [Family]) -> AddressLists? = { _, _ in nil })
        throws -> (terse: String, lists: AddressLists, exact: Bool, listing: () -> String)? {
        guard let table = NftTerseTable(ruleset: try kernel.run("list ruleset \(NftLayout.family)", format: .terse)) else {
            return nil
        }
        if let families = table.interpretableSets {
            if let lists = recorded(table, families) {
                return (table.text, lists, true, { table.listing(with: lists) })
            }
            if let (lists, exact) = try readSets(families) {
                return (table.text, lists, exact, { table.listing(with: lists) })
            }
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
                try Failpoint.setDump.hit()
                elements = try kernel.elements(set: NftLayout.setName(family), keyLength: Self.keyLength(family))
            } catch let error as NftError where error.kind == .uninterpretable {
                return nil
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
            return try kernel.run("list table \(Self.table)", format: format)
        } catch {
            if error.kind == .notFound { return nil }
            throw error
        }
    }

    public func snapshot() throws -> String {
        try read()?.listing() ?? ""
    }

    /// add+delete empties the table whether or not it exists; the dump then
    /// re-declares it, all in one transaction. The commit record goes first: it describes
    /// cfsync's last proven commit, not this one.
    public func restore(_ dump: String) throws {
        try commitRecord?.remove()
        try kernel.run("add table \(Self.table)\ndelete table \(Self.table)\n" + dump)
    }

    public func diagnose(_ policy: Policy) -> [Finding] {
        do {
            let chains = try kernel.run("list chains", format: .json)
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
    /// the generation it reads itself). The commit record is removed before the first commit
    /// and written again only after a proven one.
    public func apply(_ plan: SyncPlan, over observed: Observation) throws -> Applied {
        guard let read = observed.record as? Read else {
            throw CFSyncError.failed("nftables: apply over an observation of another backend")
        }
        try commitRecord?.remove()
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
        guard try proves(plan, transactions, over: observed.installed, exact: read.exact, generation: generation) else {
            return .unproven
        }
        record(plan, at: generation)
        return .proven
    }

    /// Records that the kernel holds exactly `plan` at `generation`. Best effort: without a
    /// record (no state dir write, a kernel that does not tell its namespace) the next run
    /// only reads the sets again.
    private func record(_ plan: SyncPlan, at generation: UInt32) {
        guard let commitRecord, let place = kernel.place() else { return }
        let families = plan.policy.families
        let lists = AddressLists(ipv4: families.contains(.ipv4) ? plan.desired.ipv4 : [],
                                 ipv6: families.contains(.ipv6) ? plan.desired.ipv6 : [])
        try? commitRecord.save(NftCommitRecord(place: place, generation: generation, families: families, lists: lists))
    }

    private func run(_ tx: NftTransaction, at generation: UInt32) throws {
        guard let changes = tx.setChanges else {
            guard try kernel.generation() == generation else { throw NftError.changed }
            try kernel.run(tx.description)
            return
        }
        try kernel.change(generation: generation, changes.map { change in
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
        guard exact, try kernel.generation() == generation else { return false }
        if plan.structure == .create {
            guard let table = NftTerseTable(ruleset: try kernel.run("list ruleset \(NftLayout.family)", format: .terse)),
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
