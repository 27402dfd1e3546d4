import CFSyncCore
import Foundation

/// `plan --out FILE` and `apply --plan FILE`: apply exactly what was reviewed,
/// or nothing if the firewall changed since.
extension Syncer {
    static let lastPlan = "plans/last.json"

    /// Writes the plan to `plans/last.json` (best effort: a plan that cannot be
    /// kept is still a plan) and to `--out` (an error if that fails).
    func keep(_ saved: SavedPlan, report: inout Report) throws {
        do {
            try state.ensureExists()
            try state.write(Self.lastPlan, try saved.fileBytes(report: report))
        } catch {
            report.warnings.append("could not keep the plan in the state dir: \(CFSyncError.classify(error).message)")
        }
        guard let out = settings.out else { return }
        let url = URL(fileURLWithPath: out)
        let folder = StateDirectory(path: url.deletingLastPathComponent().path)
        do {
            try folder.write(url.lastPathComponent, try saved.fileBytes(report: report))
        } catch {
            throw CFSyncError.failed("--out \(out): \(CFSyncError.classify(error).message)")
        }
    }

    func applySaved(_ path: String, _ report: inout Report) throws -> CFSyncExit {
        let saved = try SavedPlan.read(path: path)
        let backend = try choose(&report)
        guard backend.kind == saved.backend else {
            throw CFSyncError.usage("plan \(path) was made for the \(saved.backend.rawValue) backend; this run uses \(backend.kind.rawValue)")
        }
        report.backendPolicy(saved.policy)
        try Self.refuseUnenforceable(saved.policy, backend)
        report.sources = saved.lists.map { Report.Source(url: $0.url, sha256: $0.sha256, etag: $0.etag, fromCache: true, fetchedAt: $0.fetchedAt) }
        try state.ensureExists()
        let lock = try StateLock.acquire(in: state, timeout: settings.lockTimeout)
        defer { lock.release() }
        let installed = try backend.observe(saved.policy)
        guard SHA256Hex.of(Array(try backend.snapshot().utf8)) == saved.installedFingerprint else {
            throw CFSyncError.refused("stale plan \(path): " + Self.describeChange(from: saved.installed, to: installed.lists)
                + "; run cfsync plan again")
        }
        let plan = SyncPlan(policy: saved.policy, desired: saved.desired, installed: installed)
        return try commit(plan, backend, accepting: saved.lists.map(\.cached), &report)
    }

    /// What changed in the installed prefixes since a plan was made, in words.
    static func describeChange(from old: AddressLists, to new: AddressLists) -> String {
        let v4 = PrefixDiff(installed: old.ipv4, desired: new.ipv4)
        let v6 = PrefixDiff(installed: old.ipv6, desired: new.ipv6)
        let added = (v4.add.map(\.description) + v6.add.map(\.description))
        let removed = (v4.remove.map(\.description) + v6.remove.map(\.description))
        var parts: [String] = []
        if !added.isEmpty { parts.append("now installed: " + added.prefix(5).joined(separator: ", ") + (added.count > 5 ? ", …" : "")) }
        if !removed.isEmpty { parts.append("no longer installed: " + removed.prefix(5).joined(separator: ", ") + (removed.count > 5 ? ", …" : "")) }
        return parts.isEmpty ? "the firewall objects changed since the plan was made" : "the firewall changed since the plan was made (" + parts.joined(separator: "; ") + ")"
    }
}
