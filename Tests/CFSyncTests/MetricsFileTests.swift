import CFSyncCore
import Foundation
import XCTest

@testable import CFSync

/// The metrics file must be what node_exporter's textfile collector reads:
/// checked with the Prometheus project's own Python parser.
final class MetricsFileTests: XCTestCase {
    func testWritesParseableMetricsAndKeepsTheLastSuccess() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfsync-metrics-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("cfsync.prom").path
        var report = Report(command: "apply")
        report.changed = true
        report.counts = [.ipv4: 15, .ipv6: 7]
        report.changes = [.ipv4: .init(add: ["104.16.0.0/13", "104.24.0.0/14"], remove: ["104.16.0.0/12"])]
        report.sources = [.init(url: "https://www.cloudflare.com/ips-v4?a=\"b\"", sha256: "x", etag: nil, fromCache: false,
                                fetchedAt: Date(timeIntervalSince1970: 1_000))]
        let now = Date(timeIntervalSince1970: 4_600)
        try MetricsFile(path: path).write(report, exit: .changes, now: now)
        var samples = try parse(path)
        XCTAssertEqual(samples["cfsync_last_run_success"], 1)
        XCTAssertEqual(samples["cfsync_last_run_exit_code"], 2)
        XCTAssertEqual(samples["cfsync_last_success_timestamp_seconds"], 4_600)
        XCTAssertEqual(samples["cfsync_prefixes_installed{family=ipv4}"], 15)
        XCTAssertEqual(samples["cfsync_changes_applied{family=ipv4,operation=add}"], 2)
        XCTAssertEqual(samples["cfsync_changes_applied{family=ipv4,operation=remove}"], 1)
        XCTAssertEqual(samples["cfsync_list_age_seconds{url=https://www.cloudflare.com/ips-v4?a=\"b\"}"], 3_600)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o644, "node_exporter runs as another user")

        // A failed run keeps the time of the last success.
        try MetricsFile(path: path).write(Report(command: "apply"), exit: .error, now: Date(timeIntervalSince1970: 9_000))
        samples = try parse(path)
        XCTAssertEqual(samples["cfsync_last_run_success"], 0)
        XCTAssertEqual(samples["cfsync_last_run_timestamp_seconds"], 9_000)
        XCTAssertEqual(samples["cfsync_last_success_timestamp_seconds"], 4_600)
    }

    /// watch and apply write the same file; each keeps the other's metrics.
    func testWatchRepairsAndApplyMetricsLiveInOneFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfsync-metrics-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("cfsync.prom").path
        try MetricsFile(path: path).write(Report(command: "apply"), exit: .success, now: Date(timeIntervalSince1970: 1_000))
        try MetricsFile(path: path).write(Repair(at: Date(timeIntervalSince1970: 2_000), repaired: ["create table inet cfsync"], total: 1))
        try MetricsFile(path: path).write(Repair(at: Date(timeIntervalSince1970: 3_000), repaired: ["ipv4: 1 prefix missing"], total: 2))
        var samples = try parse(path)
        XCTAssertEqual(samples["cfsync_watch_repairs_total"], 2)
        XCTAssertEqual(samples["cfsync_watch_last_repair_timestamp_seconds"], 3_000)
        XCTAssertEqual(samples["cfsync_last_success_timestamp_seconds"], 1_000, "watch dropped apply's metrics")

        try MetricsFile(path: path).write(Report(command: "apply"), exit: .success, now: Date(timeIntervalSince1970: 4_000))
        samples = try parse(path)
        XCTAssertEqual(samples["cfsync_last_success_timestamp_seconds"], 4_000)
        XCTAssertEqual(samples["cfsync_watch_repairs_total"], 2, "apply dropped watch's metrics")
        XCTAssertEqual(samples["cfsync_watch_last_repair_timestamp_seconds"], 3_000)
    }

    /// `name{label=value,…} -> value` for every sample, via prometheus_client's parser.
    func parse(_ path: String) throws -> [String: Double] {
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = {}
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
                    out[s.name + ("{" + labels + "}" if labels else "")] = s.value
            print(json.dumps(out))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "python3-prometheus-client could not parse the file")
        return try JSONDecoder().decode([String: Double].self, from: data)
    }
}
