import CFSyncCore
import Foundation
import Logging
import Nftables

/// The loop of `cfsync watch`: check, then wait for the kernel to announce a change to the
/// tables cfsync's objects live in (nftables; iptables when it is iptables-nft) or for
/// `--watch-interval` (every backend: the only trigger for iptables-legacy and ufw, whose
/// changes nothing announces), and check again. A check is `reinstall`: it re-installs the
/// last applied state when anything is missing or altered and changes nothing otherwise,
/// so the announcements of its own repair cause one more check that finds nothing to do.
final class Watcher {
    /// After the first announcement, wait this long for the rest of the burst: a reload of
    /// both families with `iptables-restore`, or a script of nft commands, is several commits.
    static let coalescing = 0.05
    /// How often a wait looks for a signal: they stay blocked for the whole watch, so one
    /// never lands inside a repair, and a wait ends at most this much later.
    static let signalPoll = 0.2
    /// After a failed check, the next one comes no sooner than this, doubled for each
    /// further failure in a row, up to the interval.
    static let retryDelay = 1.0

    private let syncer: Syncer
    private var log: Logger { syncer.log }
    private var interval: Double { syncer.settings.watchInterval }
    private var limit = RepairRateLimit.standard

    /// The recorded state as the last check read it.
    private var record: AppliedState?
    /// The backend whose tables `monitor` watches; nil before the first check.
    private var followed: BackendKind??
    /// Subscribed to the kernel's announcements; nil where there are none.
    private var monitor: NftMonitor?
    /// Failed checks in a row. After one, the next check waits (`retryDelay`): the snapshot
    /// restore's own announcements would retry at once, and a failure that persists would loop.
    private var failures = 0
    private var saidNothingApplied = false
    /// The failure the last check logged; the same one again is not logged again.
    private var lastFailure: String?
    /// When the interval asks for the next check: one interval after the last one started,
    /// so the time a check takes does not stretch the period (but at least a quarter
    /// interval after it ended, so checks slower than the interval do not run back to back).
    private var nextCheck = 0.0
    /// The last repair this watch made.
    private(set) var lastRepair: Repair?

    init(_ syncer: Syncer) {
        self.syncer = syncer
    }

    var backend: BackendKind? {
        guard case .installed(let kind, _, _)? = record else { return nil }
        return kind
    }

    /// Checks until a signal (returns) or a failure that ends the watch (throws): a damaged
    /// state dir, or more repairs a minute than `RepairRateLimit` allows.
    func run() throws {
        try check("start")
        while let trigger = waitForTrigger() {
            try check(trigger)
        }
    }

    /// Reads the record, follows its backend, and re-installs what is missing.
    private func check(_ trigger: String) throws {
        nextCheck = Self.now + interval
        record = try syncer.applied.load()
        follow(backend)
        guard let kind = backend else {
            if !saidNothingApplied {
                log.warning(record == nil
                    ? "nothing applied yet: watching for an apply (checked every \(Self.seconds(interval)))"
                    : "the last change was cfsync remove: nothing to keep in place; watching for an apply (checked every \(Self.seconds(interval)))")
                saidNothingApplied = true
            }
            return
        }
        saidNothingApplied = false
        log.debug("check: \(trigger)")
        var report = Report(command: "watch")
        do {
            _ = try syncer.reinstall("watch", &report)
        } catch {
            failed(CFSyncError.classify(error), kind)
            return
        }
        lastFailure = nil
        failures = 0
        if report.result == .applied { try repaired(report, kind) }
    }

    private func repaired(_ report: Report, _ kind: BackendKind) throws {
        let items = Repair.missing(in: report), now = Date()
        let repair: Repair
        do {
            repair = try RepairLog(dir: syncer.state).record(items, at: now)
        } catch {
            log.warning("cannot record the repair: \(CFSyncError.classify(error).message)")
            repair = Repair(at: now, repaired: items, total: (lastRepair?.total ?? 0) + 1)
        }
        lastRepair = repair
        log.info("repaired \(kind.rawValue) (repair \(repair.total), snapshot \(report.snapshot ?? "-")): \(items.joined(separator: "; "))")
        if let path = syncer.settings.metricsFile {
            do {
                try MetricsFile(path: path).write(repair)
            } catch {
                log.warning("--metrics-file \(path): \(CFSyncError.classify(error).message)")
            }
        }
        if limit.exceeded(afterRepairAt: Self.now) {
            throw CFSyncError.failed(
                "\(limit.limit + 1) repairs within \(Int(limit.window)) s: another tool keeps undoing cfsync's \(kind.rawValue) objects; "
                    + "stopping rather than fight it (the last repair is in place; find the other tool, then start cfsync watch again)")
        }
    }

    /// A failed check left the firewall as it was (the snapshot restore): another run holds
    /// the lock, ufw is not active for a moment while it reloads, a tool is missing. The
    /// watch backs off and says so once per distinct failure, not at every check; the rate
    /// limit is for repairs that succeed and are undone.
    private func failed(_ failure: CFSyncError, _ kind: BackendKind) {
        failures += 1
        guard failure.message != lastFailure else { return }
        lastFailure = failure.message
        let line = "check of \(kind.rawValue) failed: \(failure.message); trying again (at the latest every \(Self.seconds(interval)))"
        if failure.exit == .locked { log.warning("\(line)") } else { log.error("\(line)") }
    }

    /// Subscribes to the announcements of `kind`'s tables, or drops the subscription, when
    /// the recorded backend changed (an admin moved from iptables to nftables).
    private func follow(_ kind: BackendKind?) {
        if let followed, followed == kind { return }
        followed = kind
        monitor = nil
        guard let kind else { return }
        let tables = announcedTables(kind)
        var how = "a check every \(Self.seconds(interval))"
        if !tables.isEmpty {
            do {
                monitor = try NftMonitor(watching: tables)
                how = "kernel announcements for " + tables.map { "\($0.family) \($0.name)" }.joined(separator: ", ") + ", and " + how
            } catch {
                log.warning("cannot subscribe to nf_tables announcements (\(error)); \(how) only")
            }
        }
        log.info("watching \(kind.rawValue): \(how)")
    }

    /// The nf_tables tables where `kind` keeps cfsync's objects.
    private func announcedTables(_ kind: BackendKind) -> [NftMonitor.Table] {
        switch kind {
        case .nftables:
            return [NftMonitor.Table(.inet, NftLayout.table)]
        case .iptables:
            // iptables-nft's filter tables hold cfsync's chains and the jumps to them.
            // With iptables-legacy nothing is announced there and the interval does the
            // work: subscribing costs nothing, so the variant need not be known here.
            return [NftMonitor.Table(.ip, "filter"), NftMonitor.Table(.ip6, "filter")]
        case .ufw:
            return []
        case .firewalld:
            // A reload keeps cfsync's objects (they are permanent); the interval finds the rest.
            return []
        }
    }

    /// Waits for an announcement or the interval; nil when a signal asks the watch to end.
    /// After failed checks, announcements are held back until the retry delay has passed
    /// (the failed repair's own snapshot restore announces changes too), then count.
    private func waitForTrigger() -> String? {
        let delay = failures == 0 ? 0 : min(interval, Self.retryDelay * Double(1 << min(failures - 1, 16)))
        let quietUntil = Self.now + delay
        let deadline = max(nextCheck, Self.now + interval / 4)
        var heldBack = false
        while !Signals.pending() {
            let now = Self.now
            if heldBack, now >= quietUntil { return "announced change" }
            if now >= deadline { return "interval" }
            let slice = min(deadline - now, Self.signalPoll, now < quietUntil ? quietUntil - now : Self.signalPoll)
            guard let monitor else {
                usleep(UInt32(slice * 1_000_000))
                continue
            }
            guard announced(monitor, within: slice) else { continue }
            if Self.now < quietUntil {
                heldBack = true
                continue
            }
            let burst = Self.now + Self.coalescing
            while Self.now < burst { _ = announced(monitor, within: burst - Self.now) }
            return Signals.pending() ? nil : "announced change"
        }
        return nil
    }

    /// A failing subscription falls back to the interval rather than ending the watch.
    private func announced(_ monitor: NftMonitor, within seconds: Double) -> Bool {
        do {
            return try monitor.waitForChange(timeout: seconds)
        } catch {
            log.warning("nf_tables announcements failed (\(error)); checking every \(Self.seconds(interval)) only")
            self.monitor = nil
            return false
        }
    }

    private static var now: Double { ProcessInfo.processInfo.systemUptime }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
