/// Turns a `SyncPlan` into ufw's own rules-file entries. cfsync's rules form
/// one contiguous run in each file: the allows (sorted by prefix), then the
/// lockdown deny, so the deny can never shadow one of cfsync's allows.
public enum UfwRenderer {
    /// The entries cfsync wants in `family`'s rules file for `lists`.
    public static func blocks(_ policy: Policy, _ lists: AddressLists, _ family: Family) -> [UfwRulesFile.Block] {
        UfwLayout.rules(policy, lists, family).map { UfwRulesFile.Block(cfsync: $0, family: family) }
    }

    /// `file` after applying `plan`: cfsync's entries replaced, nothing else moved.
    public static func edit(_ file: UfwRulesFile, _ plan: SyncPlan, _ family: Family) -> UfwRulesFile {
        file.replacingOwn(with: blocks(plan.policy, plan.desired, family))
    }

    /// The dry run: the tuple lines removed (-) and added (+) per file, and how
    /// the files are loaded. Rules are matched by content, never by number.
    public static func script(for plan: SyncPlan, families: [Family] = Family.allCases) -> String {
        var out = ""
        for family in families {
            let chain = UfwLayout.inputChain(family)
            let desired = UfwLayout.rules(plan.policy, plan.desired, family)
            var lines: [String] = []
            switch plan.structure {
            case .create:
                lines = desired.map { "+ \($0.tupleLine)" }
            case .rebuild:
                lines = ["- every rule commented \(UfwLayout.tag)*"] + desired.map { "+ \($0.tupleLine)" }
            case .none:
                let old = UfwLayout.rules(plan.policy, plan.removals(family).descriptions, family).filter(\.allows)
                let new = UfwLayout.rules(plan.policy, plan.additions(family).descriptions, family).filter(\.allows)
                lines = old.map { "- \($0.tupleLine)" } + new.map { "+ \($0.tupleLine)" }
            }
            guard !lines.isEmpty else { continue }
            out += "# \(UfwLayout.rulesFile(family)) (chain \(chain))\n" + lines.map { $0 + "\n" }.joined()
        }
        guard !out.isEmpty else { return "" }
        let tools = families.map { $0 == .ipv4 ? "iptables-restore -n" : "ip6tables-restore -n" }.joined(separator: ", ")
        return out + "# then load each changed file with \(tools) (one atomic step each; no ufw reload)\n"
    }
}
