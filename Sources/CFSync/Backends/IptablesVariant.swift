import CFSyncCore

/// Which iptables the host uses: the nf_tables-backed one or legacy. Rules
/// loaded through one are invisible to the other, so cfsync must use the same
/// one as the host (and `doctor` says which).
public enum IptablesVariant: String, Sendable, CaseIterable {
    case nft, legacy

    /// Set to `nft` or `legacy` to choose without asking `iptables -V` (tests use it
    /// to drive both variants on one host).
    public static let overrideVariable = "CFSYNC_IPTABLES_VARIANT"

    /// The override if set, else what `iptables -V` (Debian's alternatives) reports.
    public static func detect(runner: CommandRunner, environment: [String: String]) throws -> IptablesVariant {
        if let forced = environment[overrideVariable], !forced.isEmpty {
            guard let variant = IptablesVariant(rawValue: forced) else {
                throw CFSyncError.usage("\(overrideVariable)=\(forced): must be nft or legacy")
            }
            return variant
        }
        let version = try runner.check(["iptables", "-V"])
        return version.contains("legacy") ? .legacy : .nft
    }

    /// `iptables-nft-save`, `ip6tables-legacy-restore`, …: the variant's own
    /// binaries, so a later change of the alternatives cannot mix them.
    public func tool(_ family: Family, _ action: String) -> String {
        "\(IptablesNames.tool(family))-\(rawValue)-\(action)"
    }
}
