import CFSyncCore

/// Every ufw file cfsync reads, writes or locks, so tests point the backend at a
/// private copy and nothing else names a ufw path.
public struct UfwPaths: Equatable, Sendable {
    /// `/etc/ufw` on a real host.
    public var root: String
    /// `/etc/default/ufw` (holds IPV6=yes|no).
    public var defaults: String
    /// ufw's lock, `/run/ufw.lock`: what ufw 0.36 locks (as root) around every rule change.
    public var lock: String

    public init(root: String = "/etc/ufw", defaults: String = "/etc/default/ufw", lock: String = "/run/ufw.lock") {
        self.root = root
        self.defaults = defaults
        self.lock = lock
    }

    /// `ufw.conf`, which holds ENABLED=yes while ufw is active.
    public var conf: String { root + "/ufw.conf" }

    public func rules(_ family: Family) -> String { root + "/" + UfwLayout.rulesFile(family) }
}
