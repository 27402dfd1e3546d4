import CFSyncCore
import Nftables

/// nftables through libnftables: table `inet cfsync`, interval sets per family
/// and one input-hook chain; see `NftLayout`.
public struct NftablesBackend: Backend {
    public var kind: BackendKind { .nftables }
    public var objects: String { "table inet cfsync (sets allow_v4, allow_v6; chain input)" }
    private let nft: NftContext
    /// The text of the last `observe`, until `snapshot()` takes it or cfsync changes the table.
    private let lastListing = ListingMemo()

    public init() throws {
        nft = try NftContext()
    }

    /// Whether the kernel answers nf_tables requests here: `list tables` is the
    /// cheapest question, so `auto` does not pay for a listing of cfsync's sets.
    public var isUsable: Bool {
        (try? nft.run("list tables")) != nil
    }

    private final class ListingMemo {
        var text: String?
    }

    private static let table = "\(NftLayout.family) \(NftLayout.table)"

    /// One plain-text listing gives the structure and the elements (see `NftListingText`);
    /// only a listing it cannot read strictly falls back to the terse + JSON listings.
    /// The text is kept for a `snapshot()` that follows before any change.
    public func observe(_ policy: Policy) throws -> InstalledState {
        lastListing.text = nil
        guard let text = try listTable(.text) else {
            lastListing.text = ""
            return .absent
        }
        lastListing.text = text
        let layout = NftLayout(policy: policy)
        if let parsed = NftListingText.parse(text) {
            let differences = layout.differences(fromTerseListing: parsed.terse)
            return InstalledState(structure: differences.isEmpty ? .matches : .differs(differences), lists: parsed.lists)
        }
        guard let terse = try listTable(.terse) else { return .absent }
        let differences = layout.differences(fromTerseListing: terse)
        let lists = try NftSetElements.parse(json: try listTable(.json) ?? "")
        return InstalledState(structure: differences.isEmpty ? .matches : .differs(differences), lists: lists)
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
        if let text = lastListing.text {
            lastListing.text = nil
            return text
        }
        return try listTable(.text) ?? ""
    }

    /// add+delete empties the table whether or not it exists; the dump then
    /// re-declares it, all in one transaction.
    public func restore(_ dump: String) throws {
        lastListing.text = nil
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
        NftRenderer.transaction(for: plan).description
    }

    public func apply(_ plan: SyncPlan) throws {
        lastListing.text = nil
        let tx = NftRenderer.transaction(for: plan)
        guard !tx.isEmpty else { return }
        try nft.run(tx.description)
    }
}
