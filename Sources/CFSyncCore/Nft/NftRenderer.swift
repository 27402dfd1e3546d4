/// Turns a `SyncPlan` into the one nftables transaction that applies it.
public enum NftRenderer {
    /// Above this share of the desired set, a delta costs more than rewriting
    /// the set, so the set is flushed and refilled in the same transaction.
    public static let replaceThreshold = 0.5

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
        // Counts first: only the side that is rendered is turned into text (100k descriptions
        // are not free).
        let (adds, removes, desired): (Int, Int, Int)
        switch family {
        case .ipv4: (adds, removes, desired) = (plan.ipv4.add.count, plan.ipv4.remove.count, plan.desired.ipv4.count)
        case .ipv6: (adds, removes, desired) = (plan.ipv6.add.count, plan.ipv6.remove.count, plan.desired.ipv6.count)
        }
        if adds == 0 && removes == 0 { return }
        if replaces(adds: adds, removes: removes, desired: desired) {
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

    /// True when flush + refill is cheaper than the element delta (see `replaceThreshold`).
    static func replaces(adds: Int, removes: Int, desired: Int) -> Bool {
        Double(adds + removes) > replaceThreshold * Double(max(desired, 1))
    }
}
