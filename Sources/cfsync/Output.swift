import CFSync
import CFSyncCore
import Foundation

/// Prints a report as text or as the single JSON object of spec/cli.md, and
/// turns the outcome into the process's exit status.
enum Output {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("cfsync: \(message)\n".utf8))
    }

    /// The text to stdout as it is. `print` takes `Any...` and casts each item to the
    /// printing protocols at run time: conformance lookups that cost ~0.9M instructions.
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = fwrite(bytes.baseAddress, 1, bytes.count, stdout) }
    }

    static func finish(_ outcome: Syncer.Outcome, format: Settings.OutputFormat) throws -> Never {
        let report = outcome.report
        if let message = report.error { error(message) }
        switch format {
        case .json:
            write(report.json + "\n")
        case .text:
            if report.error == nil { write(text(report)) }
        }
        exit(outcome.exit.rawValue)
    }

    /// Settings errors happen before any report exists; JSON callers still get one object.
    static func fail(_ failure: CFSyncError, command: String, format: Settings.OutputFormat) throws -> Never {
        var report = Report(command: command)
        report.result = failure.exit == .refused ? .refused : .error
        report.error = failure.message
        try finish(Syncer.Outcome(report: report, exit: failure.exit), format: format)
    }

    static func age(since date: Date) -> String {
        let seconds = max(0, Int(Date().timeIntervalSince(date)))
        switch seconds {
        case ..<120: return "\(seconds) s"
        case ..<7200: return "\(seconds / 60) min"
        case ..<172_800: return "\(seconds / 3600) h"
        default: return "\(seconds / 86400) days"
        }
    }

    static func text(_ r: Report) -> String {
        var out = ""
        if let backend = r.backend, r.mode != nil {
            out += "backend: \(backend), mode \(r.mode?.rawValue ?? "-"), tcp ports \(r.ports.map(String.init).joined(separator: ","))\n"
        }
        for s in r.sources {
            let age = s.fetchedAt.map { ", fetched \(Self.age(since: $0)) ago" } ?? ""
            out += "source: \(s.url) sha256 \(s.sha256.prefix(12))\(s.fromCache ? " (last accepted copy\(age))" : "")\n"
        }
        for w in r.warnings { out += "warning: \(w)\n" }
        if let drift = r.drift {
            out += drift.isEmpty ? "in sync\n" : drift.map { "drift: \($0)\n" }.joined()
        } else {
            for step in r.structural { out += "~ \(step)\n" }
            for family in Family.allCases {
                guard let c = r.changes[family] else { continue }
                for p in c.remove { out += "- \(family.rawValue) \(p)\n" }
                for p in c.add { out += "+ \(family.rawValue) \(p)\n" }
            }
        }
        if let repair = r.lastRepair {
            out += "last repair by cfsync watch: \(UTCTimestamp.format(repair.at)) (\(Self.age(since: repair.at)) ago, "
                + "repair \(repair.total)): \(repair.repaired.joined(separator: "; "))\n"
        }
        if r.command == "watch" { return out + "Stopped watching.\n" }
        let counts = Family.allCases.map { "\($0.rawValue) \(r.counts[$0] ?? 0)" }.joined(separator: ", ")
        switch r.result {
        case .planned where r.drift == nil:
            out += r.structural.isEmpty && r.addedCount + r.removedCount == 0
                ? "No changes: the firewall matches the lists (\(counts) prefixes).\n"
                : "Plan: \(r.addedCount) to add, \(r.removedCount) to remove (\(counts) prefixes). Run cfsync apply to make these changes.\n"
        case .applied:
            out += "Applied: \(r.addedCount) added, \(r.removedCount) removed (\(counts) prefixes installed).\n"
        case .unchanged where r.note != nil:
            out += (r.note ?? "") + "\n"
        case .unchanged where r.command == "confirm":
            out += "Confirmed: the change is kept.\n"
        case .unchanged where r.drift == nil:
            out += "No changes: the firewall matches the lists (\(counts) prefixes).\n"
        case .rolledBack:
            out += r.changed ? "Rolled back." : "Rolled back (the firewall already matched that snapshot)."
            out += r.snapshot.map { " The state before this rollback is snapshot \($0).\n" } ?? "\n"
        case .removed:
            out += r.changed ? "Removed cfsync's firewall objects; snapshot \(r.snapshot ?? "-") holds them.\n" : "Nothing to remove.\n"
        default: break
        }
        return out
    }
}
