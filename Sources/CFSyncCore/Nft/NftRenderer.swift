/// Turns a `SyncPlan` into the one nftables transaction that applies it.
public enum NftRenderer {
    /// Above this share of the desired set, a delta costs more than rewriting
    /// the set, so the set is flushed and refilled in the same transaction.
    public static let replaceThreshold = 0.5

    /// Whether the transaction for `plan` only deletes and adds set elements (nothing is
    /// created, flushed or removed): `NftablesBackend` sends those changes as one netlink
    /// batch instead of this transaction's text, without rendering it.
    public static func isElementDelta(_ plan: SyncPlan) -> Bool {
        plan.structure == .none && !plan.isEmpty && !plan.policy.families.contains { replaces($0, plan) }
    }

    public static func transaction(for plan: SyncPlan) -> NftTransaction {
        var tx = NftTransaction()
        let layout = NftLayout(policy: plan.policy)
        switch plan.structure {
        case .none:
            for family in plan.policy.families { appendDelta(family, plan, &tx) }
        case .create, .rebuild:
            // add+delete makes the delete safe whether or not the table exists;
            // the whole rebuild commits as one step, so there is no open window.
            if case .rebuild = plan.structure {
                tx.append(.addTable)
                tx.append(.deleteTable)
            }
            tx.append(.addTable)
            for family in plan.policy.families { tx.append(.addSet(family, plan.desired.descriptions(family))) }
            tx.append(.addChain)
            for rule in layout.rules { tx.append(.addRule(rule)) }
            if plan.policy.forward {
                tx.append(.addForwardChain)
                for rule in layout.forwardRules { tx.append(.addForwardRule(rule)) }
            }
        }
        return tx
    }

    /// Deletes withdrawn prefixes before adding new ones: the reverse order fails
    /// in nft 1.0.6 when a new prefix overlaps an old one (/12 -> /13 + /14).
    private static func appendDelta(_ family: Family, _ plan: SyncPlan, _ tx: inout NftTransaction) {
        if replaces(family, plan) {
            tx.append(.flushSet(family))
            tx.append(.addElements(family, plan.desired.descriptions(family)))
        } else {
            switch family {
            case .ipv4:
                tx.append(.deleteElements(family, plan.ipv4.remove.map(\.description)))
                tx.append(.addElements(family, plan.ipv4.add.map(\.description)))
            case .ipv6:
                tx.append(.deleteElements(family, plan.ipv6.remove.map(\.description)))
                tx.append(.addElements(family, plan.ipv6.add.map(\.description)))
            }
        }
    }

    /// True when flush + refill of `family`'s set is cheaper than its element delta (see
    /// `replaceThreshold`). Counts only: 100k descriptions are not free.
    static func replaces(_ family: Family, _ plan: SyncPlan) -> Bool {
        let changed: Int
        switch family {
        case .ipv4: changed = plan.ipv4.add.count + plan.ipv4.remove.count
        case .ipv6: changed = plan.ipv6.add.count + plan.ipv6.remove.count
        }
        return Double(changed) > replaceThreshold * Double(max(plan.desired.count(family), 1))
    }
}
