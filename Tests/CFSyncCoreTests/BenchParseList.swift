import CFSyncCore
import Foundation
import XCTest

/// Benchmark entry point for scripts/bench, skipped unless CFSYNC_BENCH_LIST names an IPv4
/// list file. It does what cfsync does with a fetched list (parse, every guard, aggregate) and
/// prints the count and the address coverage, like `iprange -C`, so the two can be timed as
/// whole processes against the same file. It asserts only correctness, never timing.
final class BenchParseList: XCTestCase {
    func testParseValidateAggregateFile() throws {
        let path = ProcessInfo.processInfo.environment["CFSYNC_BENCH_LIST"] ?? ""
        let body = try readBytes(path)
        let parsed = try ListParser.parse(body, as: IPv4Prefix.self, source: "file://\(path)")
        let aggregated = aggregate(parsed)
        XCTAssertFalse(aggregated.isEmpty)
        let addresses = aggregated.reduce(0) { $0 + (1 << (32 - $1.length)) }
        print("bench: \(parsed.count) prefixes parsed, \(aggregated.count) after aggregation, \(addresses) addresses")
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["CFSYNC_BENCH_LIST"] != nil, "scripts/bench sets CFSYNC_BENCH_LIST")
    }

    private func readBytes(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileNoSuchFile) }
        defer { try? handle.close() }
        return Array(try handle.readToEnd() ?? Data())
    }
}
