import CFSyncCore

/// A firewall that cfsync can drive. Each backend reads the kernel once a run (`observe`),
/// renders a `SyncPlan` into its own atomic form and applies it in one step over that
/// read; everything else (fetching, guards, planning, verifying) is shared.
public protocol Backend {
    var kind: BackendKind { get }

    /// The objects cfsync owns in this backend, named for people ("table inet cfsync").
    var objects: String { get }

    /// Reads cfsync's own objects from the kernel: the one read the plan, the snapshot and
    /// the apply of a run share.
    func observe(_ policy: Policy) throws -> Observation

    /// The native script that `apply` would run for `plan` (the dry run's text).
    func script(for plan: SyncPlan) -> String

    /// Applies `plan`, made from `observed`, so that traffic sees one change: one transaction,
    /// or commits of which only the last filters anything (nftables' first apply). Throws
    /// `ChangedSinceObserved` when the kernel refused the first commit because the ruleset
    /// moved on since `observed` (nothing applied); any other throw leaves the rest to the
    /// caller's snapshot restore.
    func apply(_ plan: SyncPlan, over observed: Observation) throws -> Applied

    /// The native dump of cfsync's own objects, read now; empty when there are none.
    /// (A run that has just observed takes `Observation.dump` instead.)
    func snapshot() throws -> String

    /// Replaces cfsync's own objects with `dump` (from `snapshot()`) in one step;
    /// an empty dump removes them.
    func restore(_ dump: String) throws

    /// Families this backend cannot filter on this host, each with the reason
    /// (ufw with IPV6=no); runs manage the other families and warn. Known when the backend
    /// is made: reading it runs nothing. Every backend states it (no default).
    var unavailableFamilies: [Family: String] { get }

    /// Why this backend cannot enforce an option of `policy` on this host, as the one line
    /// the operator reads (naming the option); nil when it can enforce them all. A run
    /// refuses such a policy (exit 64) rather than ignore the option (spec: a backend never
    /// ignores an option). Every backend states it (no default), so a new backend decides it
    /// rather than inheriting a silent nil.
    func unenforceable(_ policy: Policy) -> String?

    /// Backend-specific checks for `doctor`: tools, kernel support, and rules
    /// outside cfsync's objects that make its allowlist moot.
    func diagnose(_ policy: Policy) -> [Finding]

    /// Warnings for the report of `plan` and `apply`: rules outside cfsync's
    /// objects that make this plan's allowlist moot (ufw: an earlier broader allow), as
    /// `observed` (the read the plan was made from) shows them.
    func warnings(for plan: SyncPlan, over observed: Observation) -> [String]
}

extension Backend {
    public func diagnose(_ policy: Policy) -> [Finding] { [] }
    public func warnings(for plan: SyncPlan, over observed: Observation) -> [String] { [] }
}

/// One read of the kernel. The plan, the snapshot and the commit of a run all use it, so a run
/// reads cfsync's objects once (at 100k prefixes one nftables set dump costs about as much
/// kernel time as loading the set).
public struct Observation {
    /// cfsync's objects as read.
    public var installed: InstalledState
    /// The native dump of what was read, as `Backend.snapshot()` prints it: the snapshot's text.
    /// Rendered only when a snapshot is taken (~2 MB of text at 100k prefixes).
    public var dump: () throws -> String
    /// What the backend keeps of the read for its own `apply`, opaque to the rest of cfsync
    /// (nftables: the ruleset generation, which the commit carries so that the kernel refuses
    /// it if anything changed the ruleset since).
    public var record: (any Sendable)?

    public init(installed: InstalledState, dump: @escaping () throws -> String, record: (any Sendable)? = nil) {
        self.installed = installed
        self.dump = dump
        self.record = record
    }
}

/// What a backend's `apply` can say about its own result.
public enum Applied: Equatable, Sendable {
    /// The kernel's answers prove it now holds exactly the plan: the commit was accepted at the
    /// observed generation, only cfsync's commits moved the generation, and the observed
    /// elements changed by the committed ones are the plan's. No read-back needed.
    case proven
    /// Read the kernel back to verify.
    case unproven
}

/// The kernel refused a commit because the ruleset changed after it was read; nothing was
/// applied. The run reads the kernel again and plans again.
public struct ChangedSinceObserved: Error, CustomStringConvertible {
    public init() {}
    public var description: String {
        "the ruleset changed while cfsync was applying (another program committed after cfsync read it); nothing applied"
    }
}

/// A backend refused the change before it touched anything (firewalld: a first install needs
/// a reload that would discard the admin's runtime-only changes). The run fails with
/// `message` and restores nothing, for nothing changed.
public struct RefusedBeforeChange: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
