import Foundation

/// The result of one command: printed as text, or as the single JSON object of
/// spec/cli.md ("JSON output").
public struct Report: Equatable, Sendable {
    public enum Result: String, Sendable {
        case planned, applied, unchanged, refused, error
        case rolledBack = "rolled-back"
        case removed
    }

    public struct Changes: Equatable, Sendable {
        public var add: [String] = []
        public var remove: [String] = []
        public init(add: [String] = [], remove: [String] = []) {
            self.add = add
            self.remove = remove
        }
    }

    public struct Source: Equatable, Sendable {
        public var url: String
        public var sha256: String
        public var etag: String?
        public var fromCache: Bool
        /// When this copy of the list was fetched.
        public var fetchedAt: Date?
        public init(url: String, sha256: String, etag: String?, fromCache: Bool, fetchedAt: Date? = nil) {
            self.url = url
            self.sha256 = sha256
            self.etag = etag
            self.fromCache = fromCache
            self.fetchedAt = fetchedAt
        }
    }

    public var command: String
    public var result: Result = .error
    public var backend: String?
    public var mode: Mode?
    public var ports: [UInt16] = []
    public var changed = false
    public var changes: [Family: Changes] = [:]
    public var counts: [Family: Int] = [:]
    public var snapshot: String?
    public var sources: [Source] = []
    public var warnings: [String] = []
    public var error: String?
    /// Structural steps (create/rebuild), for the text output.
    public var structural: [String] = []
    /// A sentence for a run that had nothing to do and says why (`restore` with no record).
    public var note: String?
    /// `status` only.
    public var inSync: Bool?
    public var drift: [String]?
    /// `status` and `watch`: the last repair `cfsync watch` made, if any.
    public var lastRepair: Repair?

    public init(command: String) { self.command = command }

    /// Fills the changes and counts from a plan; `objects` names the backend's objects.
    public mutating func record(_ plan: SyncPlan, objects: String) {
        backendPolicy(plan.policy)
        changes = [
            .ipv4: Changes(add: plan.ipv4.add.map(\.description), remove: plan.ipv4.remove.map(\.description)),
            .ipv6: Changes(add: plan.ipv6.add.map(\.description), remove: plan.ipv6.remove.map(\.description)),
        ]
        counts = [.ipv4: plan.desired.ipv4.count, .ipv6: plan.desired.ipv6.count]
        structural = plan.structuralSummary(objects: objects)
    }

    public mutating func backendPolicy(_ policy: Policy) {
        mode = policy.mode
        ports = policy.ports
    }

    public var addedCount: Int { changes.values.reduce(0) { $0 + $1.add.count } }
    public var removedCount: Int { changes.values.reduce(0) { $0 + $1.remove.count } }
}
