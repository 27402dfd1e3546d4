import CFSyncCore
import Foundation

/// Chooses the backend for `--backend` (`auto` is ufw when ufw is active, else firewalld
/// when it is running, else nftables, else iptables) and says why, for `plan` and `doctor`.
public enum BackendSelection {
    public struct Choice {
        public var backend: Backend
        public var reason: String
    }

    /// `lockTimeout` (--lock-timeout) bounds the wait for a backend tool's own lock: the xtables
    /// lock of the legacy iptables tools, ufw's `/run/ufw.lock`.
    public static func choose(_ setting: Settings.BackendChoice, lockTimeout: Double, ufwConfig: String = "/etc/ufw/ufw.conf") throws -> Choice {
        switch setting {
        case .fixed(let kind):
            return Choice(backend: try make(kind, lockTimeout: lockTimeout), reason: "--backend \(kind.rawValue)")
        case .auto:
            if ufwIsEnabled(config: ufwConfig) {
                return Choice(backend: try make(.ufw, lockTimeout: lockTimeout), reason: "auto: ufw is active")
            }
            // firewalld owns its nftables table and rebuilds it on every reload: where it runs,
            // cfsync must live in its configuration. Asked once, only when firewall-cmd exists.
            if (try? SystemCommandRunner.locate("firewall-cmd")) != nil, FirewalldBackend.isRunning(SystemCommandRunner()) {
                return Choice(backend: try FirewalldBackend(running: true), reason: "auto: ufw is not active, firewalld is running")
            }
            // nftables is always linked; it fails only when libnftables cannot make a
            // context or the kernel lacks nf_tables.
            if let nft = try? NftablesBackend(), nft.isUsable {
                return Choice(backend: nft, reason: "auto: ufw is not active, firewalld is not running, libnftables is available")
            }
            return Choice(backend: try make(.iptables, lockTimeout: lockTimeout), reason: "auto: ufw is not active, nftables is unusable here")
        }
    }

    public static func make(_ kind: BackendKind, lockTimeout: Double) throws -> Backend {
        switch kind {
        case .nftables:
            return try NftablesBackend()
        case .iptables:
            return try IptablesBackend(lockTimeout: lockTimeout)
        case .ufw:
            return try UfwBackend(lockTimeout: lockTimeout)
        case .firewalld:
            return try FirewalldBackend()
        }
    }

    /// ufw keeps `ENABLED=yes` in its config while it is active; read with the ufw
    /// backend's own parser, so `auto` and `--backend ufw` never disagree.
    static func ufwIsEnabled(config: String) -> Bool {
        guard let text = try? String(contentsOfFile: config, encoding: .utf8) else { return false }
        return UfwConfig.value("ENABLED", in: text)?.lowercased() == "yes"
    }
}
