import CFSyncCore
import Foundation

/// `cfsync watch` and what it leaves for `status`.
extension Syncer {
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
