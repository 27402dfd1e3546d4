/// Turns a `SyncPlan` into the nftables transactions that apply it.
public enum NftRenderer {
    /// Above this share of the desired set, a delta costs more than rewriting
    /// the set, so the set is flushed and refilled in the same transaction.
    public static let replaceThreshold = 0.5

    /// The transactions that apply `plan`, in order; none when it is empty.
    ///
    /// Changes to sets that exist are one transaction of element operations, which
    /// `NftablesBackend` sends as one netlink batch. A rebuild is one transaction that
    /// replaces the whole table. A first apply is three: the table with empty sets, their
    /// elements (a netlink batch: ~3× faster than libnftables at 100k), then the chains that
    /// use them. Nothing filters until the chains exist, so traffic sees one change, at the
    /// last commit; a failure before it leaves objects that filter nothing, and the restore
    /// removes them.
    public static func transactions(for plan: SyncPlan) -> [NftTransaction] {
        switch plan.structure {
        case .none:
            var delta = NftTransaction()
            for family in plan.policy.families { appendDelta(family, plan, &delta) }
            return delta.isEmpty ? [] : [delta]
        case .create:
            var sets = NftTransaction([.addTable]), elements = NftTransaction(), chains = NftTransaction()
            for family in plan.policy.families {
                sets.append(.addSet(.empty(family)))
                elements.append(.addElements(plan.desired.prefixes(family)))
            }
            appendChains(plan.policy, &chains)
            return [sets, elements, chains].filter { !$0.isEmpty }
        case .rebuild:
            // add+delete makes the delete safe whether or not the table exists;
            // the whole rebuild commits as one step, so there is no open window.
            var rebuild = NftTransaction([.addTable, .deleteTable, .addTable])
            for family in plan.policy.families { rebuild.append(.addSet(plan.desired.prefixes(family))) }
            appendChains(plan.policy, &rebuild)
            return [rebuild]
        }
    }

    private static func appendChains(_ policy: Policy, _ tx: inout NftTransaction) {
        let layout = NftLayout(policy: policy)
        tx.append(.addChain)
        for rule in layout.rules { tx.append(.addRule(rule)) }
        if policy.forward {
            tx.append(.addForwardChain)
            for rule in layout.forwardRules { tx.append(.addForwardRule(rule)) }
        }
    }

    /// The dry run: each transaction's script, in order. As one `nft -f` file it is a single
    /// transaction with the same result.
    public static func script(for plan: SyncPlan) -> String {
        transactions(for: plan).map(\.description).joined(separator: "# next transaction\n")
    }

    /// Deletes withdrawn prefixes before adding new ones: the reverse order fails
    /// in nft 1.0.6 when a new prefix overlaps an old one (/12 -> /13 + /14).
    private static func appendDelta(_ family: Family, _ plan: SyncPlan, _ tx: inout NftTransaction) {
        if replaces(family, plan) {
            tx.append(.flushSet(family))
            tx.append(.addElements(plan.desired.prefixes(family)))
        } else {
            tx.append(.deleteElements(plan.removals(family)))
            tx.append(.addElements(plan.additions(family)))
        }
    }

    /// True when flush + refill of `family`'s set is cheaper than its element delta (see
    /// `replaceThreshold`). Counts only: 100k descriptions are not free.
    static func replaces(_ family: Family, _ plan: SyncPlan) -> Bool {
        let changed = plan.additions(family).count + plan.removals(family).count
        return Double(changed) > replaceThreshold * Double(max(plan.desired.prefixes(family).count, 1))
    }
}
