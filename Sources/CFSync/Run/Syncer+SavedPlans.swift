import CFSyncCore
import Foundation

/// `plan --out FILE` and `apply --plan FILE`: apply exactly what was reviewed,
/// or nothing if the firewall changed since.
extension Syncer {
    static let lastPlan = "plans/last.json"

    /// Signs the plan with the state dir's plan key (made on first use) and writes it to
    /// `plans/last.json` (best effort: a plan that cannot be kept is still a plan) and to
    /// `--out` (an error if that fails: a plan that cannot be signed cannot be applied).
    func keep(_ saved: SavedPlan, report: inout Report) throws {
        var signed = saved
        do {
            try state.ensureExists()
            signed.sign(with: try PlanKey.make(in: state))
        } catch {
            let reason = CFSyncError.classify(error).message
            if let out = settings.out { throw CFSyncError.failed("--out \(out): cannot sign the plan: \(reason)") }
            report.warnings.append("could not keep the plan in the state dir: \(reason)")
            return
        }
        do {
            // The same plan as last time (a no-op run) leaves the file as it is.
            try state.writeIfChanged(Self.lastPlan, try signed.fileBytes(report: report))
        } catch {
            report.warnings.append("could not keep the plan in the state dir: \(CFSyncError.classify(error).message)")
        }
        guard let out = settings.out else { return }
        let url = URL(fileURLWithPath: out)
        let folder = StateDirectory(path: url.deletingLastPathComponent().path)
        do {
            try folder.write(url.lastPathComponent, try signed.fileBytes(report: report))
        } catch {
            throw CFSyncError.failed("--out \(out): \(CFSyncError.classify(error).message)")
        }
    }

    /// Applies a saved plan only after it passed what a direct apply passes: its
    /// signature (64), the option validation of its policy and `--allow` entries (64), an
    /// option the backend cannot enforce (64),
    /// every list guard on its lists, the shrink guard against the lists accepted now (3),
    /// and its prefixes must be exactly those of its lists (64); then the stale check (3).
    func applySaved(_ path: String, _ report: inout Report) throws -> CFSyncExit {
        let saved = try SavedPlan.read(path: path, key: try PlanKey.existing(in: state))
        let backend = try choose(&report)
        guard backend.kind == saved.backend else {
            throw CFSyncError.usage("plan \(path) was made for the \(saved.backend.rawValue) backend; this run uses \(backend.kind.rawValue)")
        }
        let policy = try PolicyValidation.check(saved.policy, origin: "plan \(path):")
        let allow = try PolicyValidation.allow(saved.allow, origin: "plan \(path): --allow")
        report.backendPolicy(policy)
        try Self.refuseUnenforceable(policy, backend)
        let lists = StoredList.cached(saved.lists)
        for family in policy.families where !lists.contains(where: { $0.family == family }) {
            throw CFSyncError.refused("plan \(path): no \(family.name) list, and the plan manages \(family.name)")
        }
        let accepted = try resolver.recheck(lists, allow: allow)
        report.sources = accepted.sources
        guard desired(accepted.lists, policy) == saved.desired else {
            throw CFSyncError.usage("plan \(path): its prefixes are not those of its lists and --allow entries")
        }
        try state.ensureExists()
        let lock = try StateLock.acquire(in: state, timeout: settings.lockTimeout)
        defer { lock.release() }
        let observed = try backend.observe(policy)
        guard SHA256Hex.of(Array(try observed.dump().utf8)) == saved.installedFingerprint else {
            throw CFSyncError.refused("stale plan \(path): " + Self.describeChange(from: saved.installed, to: observed.installed.lists)
                + "; run cfsync plan again")
        }
        let plan = SyncPlan(policy: policy, desired: saved.desired, installed: observed.installed)
        return try commit(plan, over: observed, backend, accepting: accepted.bodies, &report)
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
