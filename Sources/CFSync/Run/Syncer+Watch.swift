import CFSyncCore
import Foundation

/// `cfsync watch` and what it leaves for `status`.
extension Syncer {
    /// Keeps the last applied state in place until SIGTERM, SIGINT or SIGHUP (exit 0); never
    /// fetches. Ends with exit 1 on a damaged state dir or a fight with another tool.
    public func watch() -> Outcome {
        // Blocked for the whole watch and looked for between checks: a signal ends it
        // cleanly, never inside a repair.
        Signals.block()
        let watcher = Watcher(self)
        return run("watch") { report in
            defer {
                report.backend = watcher.backend?.rawValue
                report.lastRepair = watcher.lastRepair
            }
            try watcher.run()
            report.changed = watcher.lastRepair != nil
            report.result = report.changed ? .applied : .unchanged
            return .success
        }
    }

    /// `status`: adds the last repair `watch` made; a damaged record is a warning, not a
    /// failed status.
    public func withLastRepair(_ outcome: Outcome) -> Outcome {
        var outcome = outcome
        do {
            outcome.report.lastRepair = try RepairLog(dir: state).last()
        } catch {
            outcome.report.warnings.append(CFSyncError.classify(error).message)
        }
        return outcome
    }
}
