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
            for family in plan.policy.families { tx.append(.addSet(family)) }
            tx.append(.addChain)
            for rule in layout.rules { tx.append(.addRule(rule)) }
            if plan.policy.forward {
                tx.append(.addForwardChain)
                for rule in layout.forwardRules { tx.append(.addForwardRule(rule)) }
            }
            tx.append(.addElements(.ipv4, plan.desired.ipv4.map(\.description)))
            tx.append(.addElements(.ipv6, plan.desired.ipv6.map(\.description)))
        }
        return tx
    }

    /// Deletes withdrawn prefixes before adding new ones: the reverse order fails
    /// in nft 1.0.6 when a new prefix overlaps an old one (/12 -> /13 + /14).
    private static func appendDelta(_ family: Family, _ plan: SyncPlan, _ tx: inout NftTransaction) {
        let (add, remove, desired): ([String], [String], [String])
        switch family {
        case .ipv4:
            (add, remove, desired) = (plan.ipv4.add.map(\.description), plan.ipv4.remove.map(\.description), plan.desired.ipv4.map(\.description))
        case .ipv6:
            (add, remove, desired) = (plan.ipv6.add.map(\.description), plan.ipv6.remove.map(\.description), plan.desired.ipv6.map(\.description))
        }
        if add.isEmpty && remove.isEmpty { return }
        if Double(add.count + remove.count) > replaceThreshold * Double(max(desired.count, 1)) {
            tx.append(.flushSet(family))
            tx.append(.addElements(family, desired))
        } else {
            tx.append(.deleteElements(family, remove))
            tx.append(.addElements(family, add))
        }
    }
}
