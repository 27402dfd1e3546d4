import CFSyncCore

/// A firewall that cfsync can drive. Each backend reads the kernel, renders a
/// `SyncPlan` into its own atomic form and applies it in one step; everything
/// else (fetching, guards, planning, verifying) is shared.
public protocol Backend {
    var kind: BackendKind { get }

    /// The objects cfsync owns in this backend, named for people ("table inet cfsync").
    var objects: String { get }

    /// Reads cfsync's own objects back from the kernel.
    func observe(_ policy: Policy) throws -> InstalledState

    /// The native script that `apply` would run for `plan` (the dry run's text).
    func script(for plan: SyncPlan) -> String

    /// Applies `plan` so that traffic sees one change: one transaction, or commits of which
    /// only the last filters anything (nftables' first apply). A throw leaves the rest to
    /// the caller's snapshot restore.
    func apply(_ plan: SyncPlan) throws

    /// The native dump of cfsync's own objects; empty when there are none.
    func snapshot() throws -> String

    /// Replaces cfsync's own objects with `dump` (from `snapshot()`) in one step;
    /// an empty dump removes them.
    func restore(_ dump: String) throws

    /// Families this backend cannot filter on this host, each with the reason
    /// (ufw with IPV6=no); runs manage the other families and warn.
    var unavailableFamilies: [Family: String] { get }

    /// Why this backend cannot enforce an option of `policy` on this host, as the one line
    /// the operator reads (naming the option); nil when it can enforce them all. A run
    /// refuses such a policy (exit 64) rather than ignore the option.
    func unenforceable(_ policy: Policy) -> String?

    /// Backend-specific checks for `doctor`: tools, kernel support, and rules
    /// outside cfsync's objects that make its allowlist moot.
    func diagnose(_ policy: Policy) -> [Finding]

    /// Warnings for the report of `plan` and `apply`: rules outside cfsync's
    /// objects that make this plan's allowlist moot (ufw: an earlier broader allow).
    func warnings(for plan: SyncPlan) -> [String]
}

extension Backend {
    public var unavailableFamilies: [Family: String] { [:] }
    public func unenforceable(_ policy: Policy) -> String? { nil }
    public func diagnose(_ policy: Policy) -> [Finding] { [] }
    public func warnings(for plan: SyncPlan) -> [String] { [] }
}
