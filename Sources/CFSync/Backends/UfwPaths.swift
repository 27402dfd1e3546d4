import CFSyncCore

/// Every ufw file cfsync reads or writes, from one config root, so tests point
/// the backend at a private copy and nothing else names a ufw path.
public struct UfwPaths: Equatable, Sendable {
    /// `/etc/ufw` on a real host.
    public var root: String
    /// `/etc/default/ufw` (holds IPV6=yes|no).
    public var defaults: String

    public init(root: String = "/etc/ufw", defaults: String = "/etc/default/ufw") {
        self.root = root
        self.defaults = defaults
    }

    /// `ufw.conf`, which holds ENABLED=yes while ufw is active.
    public var conf: String { root + "/ufw.conf" }

    public func rules(_ family: Family) -> String { root + "/" + UfwLayout.rulesFile(family) }
}
