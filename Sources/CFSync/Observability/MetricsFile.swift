import CFSyncCore
import Foundation
import Prometheus

/// `--metrics-file PATH`: Prometheus textfile-collector metrics of the last
/// `apply` and of `watch`'s repairs, written atomically so node_exporter never reads half
/// a file. Each writer keeps the other's lines (`cfsync_watch_*` are watch's).
public struct MetricsFile {
    public let path: String

    public init(path: String) { self.path = path }

    public func write(_ report: Report, exit: CFSyncExit, now: Date = Date()) throws {
        let registry = PrometheusCollectorRegistry()
        let succeeded = exit == .success || exit == .changes
        gauge(registry, "last_run_timestamp", unit: "seconds", "Unix time of the last cfsync apply.")
            .set(to: now.timeIntervalSince1970)
        gauge(registry, "last_run_success", "1 if the last apply succeeded, else 0.")
            .set(to: succeeded ? 1 : 0)
        gauge(registry, "last_run_exit_code", "Exit code of the last apply (spec/cli.md).")
            .set(to: Double(exit.rawValue))
        let lastSuccess = succeeded ? now.timeIntervalSince1970 : previousLastSuccess()
        if let lastSuccess {
            gauge(registry, "last_success_timestamp", unit: "seconds", "Unix time of the last successful apply.")
                .set(to: lastSuccess)
        }
        for family in Family.allCases {
            if succeeded {
                gauge(registry, "prefixes_installed", "Prefixes installed by the last successful apply.", labels: [("family", family.rawValue)])
                    .set(to: Double(report.counts[family] ?? 0))
            }
            let changes = report.changed ? report.changes[family] : nil
            for (operation, count) in [("add", changes?.add.count ?? 0), ("remove", changes?.remove.count ?? 0)] {
                gauge(registry, "changes_applied", "Prefixes added or removed by the last apply.", labels: [("family", family.rawValue), ("operation", operation)])
                    .set(to: Double(count))
            }
        }
        for source in report.sources {
            guard let fetched = source.fetchedAt else { continue }
            gauge(registry, "list_age", unit: "seconds", "Age of the list copy the last apply used.", labels: [("url", source.url)])
                .set(to: now.timeIntervalSince(fetched))
        }
        try replace(registry, keepingWatch: true)
    }

    /// `watch`: the repairs so far and the time of the last one.
    public func write(_ repair: Repair) throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "cfsync", metricName: "watch_repairs", unitName: "total", helpText: "Repairs made by cfsync watch (state dir total)."))
            .increment(by: Int64(repair.total))
        gauge(registry, "watch_last_repair_timestamp", unit: "seconds", "Unix time of the last repair by cfsync watch.")
            .set(to: repair.at.timeIntervalSince1970)
        try replace(registry, keepingWatch: false)
    }

    /// Writes `registry` plus the other writer's lines of the current file.
    private func replace(_ registry: PrometheusCollectorRegistry, keepingWatch: Bool) throws {
        let current = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let kept = current.split(separator: "\n").filter { line in
            let words = line.split(separator: " ")
            let name = line.hasPrefix("#") ? words.dropFirst(2).first : words.first
            return name?.hasPrefix("cfsync_watch_") == keepingWatch
        }
        let url = URL(fileURLWithPath: path)
        try StateDirectory(path: url.deletingLastPathComponent().path)
            .write(url.lastPathComponent, registry.emitToBuffer() + kept.flatMap { Array($0.utf8) + [UInt8(ascii: "\n")] }, mode: 0o644)
    }

    /// `cfsync_<name>_<unit>`; a count or a flag has no unit.
    private func gauge(
        _ registry: PrometheusCollectorRegistry, _ name: String, unit: String = "", _ help: String, labels: [(String, String)] = []
    ) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "cfsync", metricName: name, unitName: unit, helpText: help), labels: labels)
    }

    /// The last success survives failed runs: it is read back from the file itself.
    private func previousLastSuccess() -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("cfsync_last_success_timestamp_seconds ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }
}
