import CFSyncCore

/// `doctor`'s boot-unit check: cfsync-restore.service is what puts cfsync's
/// objects back after a reboot, before any interface comes up. It only helps
/// when it is enabled and every firewall loader that runs at boot (each can
/// flush or replace whole tables) is ordered before it.
extension Syncer {
    static let bootUnit = "cfsync-restore.service"
    /// The host firewall loaders the packaged unit is ordered after.
    static let firewallLoaders = ["nftables.service", "netfilter-persistent.service", "ufw.service", "firewalld.service"]

    /// No finding when systemd is not PID 1 or the unit is not installed; else
    /// one ok finding, or one warning per problem.
    static func bootUnitFindings(_ systemd: SystemdProbe) -> [Finding] {
        guard systemd.isRunning else { return [] }
        do {
            let unit = try systemd.properties(of: bootUnit, ["LoadState", "UnitFileState", "After", "Before"])
            switch unit["LoadState"] {
            case "loaded": break
            case "masked":
                return [warning("\(bootUnit) is masked: after a reboot cfsync's objects stay absent until the next apply (systemctl unmask \(bootUnit))")]
            default: return []
            }
            var problems: [String] = []
            let state = unit["UnitFileState"] ?? ""
            if !state.hasPrefix("enabled") {
                problems.append("\(bootUnit) is \(state.isEmpty ? "not enabled" : state): after a reboot cfsync's objects stay absent until the next apply (systemctl enable \(bootUnit))")
            }
            let after = Set((unit["After"] ?? "").split(separator: " ").map(String.init))
            let before = Set((unit["Before"] ?? "").split(separator: " ").map(String.init))
            if !before.contains("network-pre.target") {
                problems.append("\(bootUnit) is not ordered before network-pre.target: interfaces can come up before cfsync's objects are back")
            }
            var loaders: [String] = []
            for loader in firewallLoaders where try runsAtBoot(loader, systemd) {
                if before.contains(loader) {
                    problems.append("\(loader) runs after \(bootUnit): it can drop cfsync's objects right after the restore (see systemctl cat \(bootUnit) \(loader))")
                } else if !after.contains(loader) {
                    problems.append("\(loader) is not ordered before \(bootUnit): at boot it can drop cfsync's objects right after the restore (see systemctl cat \(bootUnit) \(loader))")
                } else {
                    loaders.append(loader)
                }
            }
            if !problems.isEmpty { return problems.map(warning) }
            let order = loaders.isEmpty ? "" : "after \(loaders.joined(separator: ", ")), "
            return [Finding("boot unit", .ok, "\(bootUnit) enabled: restores cfsync's objects at boot, \(order)before network-pre.target")]
        } catch {
            return [warning("could not ask systemd about \(bootUnit): \(CFSyncError.classify(error).message)")]
        }
    }

    /// Enabled or running: a loader that does neither does not run at boot.
    private static func runsAtBoot(_ loader: String, _ systemd: SystemdProbe) throws -> Bool {
        let state = try systemd.properties(of: loader, ["LoadState", "UnitFileState", "ActiveState"])
        return state["LoadState"] == "loaded" && ((state["UnitFileState"] ?? "").hasPrefix("enabled") || state["ActiveState"] == "active")
    }

    private static func warning(_ detail: String) -> Finding { Finding("boot unit", .warning, detail) }
}
