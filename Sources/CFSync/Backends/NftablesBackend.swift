import CFSyncCore
import Nftables

/// nftables through libnftables: table `inet cfsync`, interval sets per family
/// and one input-hook chain; see `NftLayout`.
public struct NftablesBackend: Backend {
    public var kind: BackendKind { .nftables }
    public var objects: String { "table inet cfsync (sets allow_v4, allow_v6; chain input)" }
    private let nft: NftContext
    /// The listing of the last `observe`, until `snapshot()` takes it or cfsync changes the table.
    private let lastListing = ListingMemo()

    public init() throws {
        nft = try NftContext()
    }

    /// Whether the kernel answers nf_tables requests here: `list tables` is the
    /// cheapest question, so `auto` does not pay for a listing of cfsync's sets.
    public var isUsable: Bool {
        (try? nft.run("list tables")) != nil
    }

    /// Rendered only when `snapshot()` asks: at 100k prefixes the text is ~2 MB, and a no-op
    /// run, `status` and the read-back after `apply` never need it.
    private final class ListingMemo {
        var render: (() -> String)?
    }

    private static let table = "\(NftLayout.family) \(NftLayout.table)"

    /// The structure from a terse listing of the inet ruleset and the elements of cfsync's
    /// sets from netlink dumps (`NftTerseTable`); a table holding anything those cannot show
    /// is read from one full text listing instead. What it read is kept for a `snapshot()`
    /// that follows before any change.
    public func observe(_ policy: Policy) throws -> InstalledState {
        lastListing.render = nil
        guard let reading = try read() else {
            lastListing.render = { "" }
            return .absent
        }
        lastListing.render = reading.listing
        let differences = NftLayout(policy: policy).differences(fromTerseListing: reading.terse)
        return InstalledState(structure: differences.isEmpty ? .matches : .differs(differences), lists: reading.lists)
    }

    /// What the kernel holds: the terse structure, the prefixes in cfsync's sets, and the text
    /// `nft list table` prints (the snapshot). nil when the table does not exist.
    private func read() throws -> (terse: String, lists: AddressLists, listing: () -> String)? {
        guard let table = NftTerseTable(ruleset: try nft.run("list ruleset \(NftLayout.family)", format: .terse)) else {
            return nil
        }
        if let families = table.interpretableSets, let lists = try readSets(families) {
            return (table.text, lists, { table.listing(with: lists) })
        }
        guard let text = try listTable(.text) else { return nil }
        if let parsed = NftListingText.parse(text) {
            return (parsed.terse, parsed.lists, { text })
        }
        return (table.text, try NftSetElements.parse(json: try listTable(.json) ?? ""), { text })
    }

    /// cfsync's interval sets through netlink; nil when an element is one the reader does
    /// not interpret, or the elements do not form intervals.
    private func readSets(_ families: [Family]) throws -> AddressLists? {
        var lists = AddressLists()
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
            case .ipv6:
                guard let prefixes = NftIntervalSet.decode(elements, as: IPv6Prefix.self) else { return nil }
                lists.ipv6 = prefixes
            }
        }
        return lists
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

    /// The listing `observe` just read when nothing ran in between (so a no-op `plan` reads
    /// the kernel once), else a fresh one.
    public func snapshot() throws -> String {
        if let render = lastListing.render {
            lastListing.render = nil
            return render()
        }
        return try read()?.listing() ?? ""
    }

    /// add+delete empties the table whether or not it exists; the dump then
    /// re-declares it, all in one transaction.
    public func restore(_ dump: String) throws {
        lastListing.render = nil
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

    /// Runs the renderer's transactions in order. One that only changes set elements goes to
    /// the kernel as one netlink batch (`NftSets.change`): nft 1.0.6 would walk every
    /// installed element in user space for each element it deletes, and takes ~3× as long to
    /// load 100k. Anything else is the libnftables transaction `script(for:)` shows.
    public func apply(_ plan: SyncPlan) throws {
        lastListing.render = nil
        for (i, tx) in NftRenderer.transactions(for: plan).enumerated() {
            if i > 0 { try Failpoint.betweenTransactions.hit() }
            try run(tx)
        }
    }

    private func run(_ tx: NftTransaction) throws {
        guard let changes = tx.setChanges else {
            try nft.run(tx.description)
            return
        }
        try NftSets.change(table: NftLayout.table, changes.map { change in
            NftSets.Changes(
                set: NftLayout.setName(change.family), keyLength: Self.keyLength(change.family),
                flush: change.flush, deletions: change.deletions, additions: change.additions)
        })
    }

    private static func keyLength(_ family: Family) -> Int {
        family.maxLength / 8
    }
}
