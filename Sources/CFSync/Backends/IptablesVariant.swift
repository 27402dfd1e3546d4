import CFSyncCore

/// Which iptables the host uses: the nf_tables-backed one or legacy. Rules
/// loaded through one are invisible to the other, so cfsync must use the stack
/// that holds the host's rules (and `doctor` says which, and why).
public enum IptablesVariant: String, Sendable, CaseIterable {
    case nft, legacy

    /// The variant chosen for a run, with the reason `doctor` prints.
    public struct Detection: Equatable, Sendable {
        public var variant: IptablesVariant
        public var reason: String
    }

    /// Set to `nft` or `legacy` to choose without looking (tests use it to drive
    /// both variants on one host).
    public static let overrideVariable = "CFSYNC_IPTABLES_VARIANT"

    /// The override if set; else where the host's rules are, as
    /// kubernetes-sigs/iptables-wrappers decides: the stack with more rules
    /// (IPv4 and IPv6, every table), and Debian's alternatives (`iptables -V`)
    /// only when both hold as many. Run once, when the backend is made.
    public static func detect(runner: CommandRunner, environment: [String: String]) throws -> Detection {
        if let forced = environment[overrideVariable], !forced.isEmpty {
            guard let variant = IptablesVariant(rawValue: forced) else {
                throw CFSyncError.usage("\(overrideVariable)=\(forced): must be nft or legacy")
            }
            return Detection(variant: variant, reason: "\(overrideVariable)=\(forced)")
        }
        let legacy = ruleCount(.legacy, runner)
        let alternative: IptablesVariant = try runner.check(["iptables", "-V"]).contains("legacy") ? .legacy : .nft
        // Dumping nf_tables costs as much as the rules in it; when legacy holds none, nft wins either way.
        if legacy == 0, alternative == .nft {
            return Detection(variant: .nft, reason: "no rules in legacy xtables, and iptables is the nft variant")
        }
        let nft = ruleCount(.nft, runner)
        let counts = "\(legacy) rules in legacy xtables, \(nft) in nf_tables"
        guard legacy != nft else {
            return Detection(variant: alternative, reason: "\(counts): iptables (alternatives) decides")
        }
        return Detection(variant: legacy > nft ? .legacy : .nft, reason: counts)
    }

    /// Rules (`-A` lines) in every table of both families; a stack whose tools
    /// cannot read it (modules not loaded) holds none.
    static func ruleCount(_ variant: IptablesVariant, _ runner: CommandRunner) -> Int {
        Family.allCases.reduce(0) { count, family in
            guard let saved = try? runner.run([variant.tool(family, "save")]), saved.status == 0 else { return count }
            return count + saved.stdout.split(separator: "\n").filter { $0.hasPrefix("-") }.count
        }
    }

    /// `iptables-nft-save`, `ip6tables-legacy-restore`, …: the variant's own
    /// binaries, so a later change of the alternatives cannot mix them.
    public func tool(_ family: Family, _ action: String) -> String {
        "\(command(family))-\(action)"
    }

    /// `iptables-legacy`, `ip6tables-nft`, …
    public func command(_ family: Family) -> String {
        "\(IptablesNames.tool(family))-\(rawValue)"
    }

    /// Whether the variant's tools serialise changes with a flock on `/run/xtables.lock`
    /// (legacy: Docker and fail2ban hold it while they work, and `-w N` bounds the wait);
    /// the nft tools take none.
    public var takesXtablesLock: Bool {
        switch self {
        case .nft: false
        case .legacy: true
        }
    }
}
