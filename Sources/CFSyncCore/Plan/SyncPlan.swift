/// The change from the installed state to the desired one: a plain value.
/// `plan` prints it, `apply` hands the same value to the backend, so the dry run
/// and the change can never disagree.
public struct SyncPlan: Equatable, Sendable {
    /// What has to happen to cfsync's objects besides the prefix deltas.
    public enum StructuralChange: Equatable, Sendable {
        case none
        /// Nothing exists yet: create every object.
        case create
        /// Objects exist but differ from the policy: rebuild them in the same transaction.
        case rebuild(reasons: [String])
    }

    public var policy: Policy
    /// The full desired lists (aggregated), for backends that rebuild or replace.
    public var desired: AddressLists
    public var structure: StructuralChange
    public var ipv4: PrefixDiff<IPv4Prefix>
    public var ipv6: PrefixDiff<IPv6Prefix>

    public init(policy: Policy, desired: AddressLists, installed: InstalledState) {
        self.policy = policy
        self.desired = desired
        switch installed.structure {
        case .absent: structure = .create
        case .matches: structure = .none
        case .differs(let reasons): structure = .rebuild(reasons: reasons)
        }
        ipv4 = PrefixDiff(installed: installed.lists.ipv4, desired: desired.ipv4)
        ipv6 = PrefixDiff(installed: installed.lists.ipv6, desired: desired.ipv6)
    }

    /// True when applying would change nothing.
    public var isEmpty: Bool { structure == .none && ipv4.isEmpty && ipv6.isEmpty }

    /// One line per structural step, for `plan`'s text output; `objects`
    /// names what the backend creates (e.g. "table inet cfsync").
    public func structuralSummary(objects: String) -> [String] {
        switch structure {
        case .none: []
        case .create: ["create \(objects)"]
        case .rebuild(let reasons): reasons.map { "rebuild \(objects): \($0)" }
        }
    }
}
