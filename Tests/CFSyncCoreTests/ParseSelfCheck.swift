import XCTest
import CFSyncCore

/// Hand-run throughput check, skipped unless CFSYNC_SELFCHECK is set; it prints a figure and
/// asserts only correctness, never timing. Run in release:
///   CFSYNC_SELFCHECK=1 swift test -c release -Xswiftc -enable-testing --scratch-path .build-core-release --filter ParseSelfCheck
final class ParseSelfCheck: XCTestCase {
    func testParseAndAggregateOneMillionSlash24s() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["CFSYNC_SELFCHECK"] != nil, "set CFSYNC_SELFCHECK=1 to run")
        let count = 1_000_000
        var rng = SplitMix64(seed: 2024)
        var body: [UInt8] = []
        body.reserveCapacity(count * 16)
        for index in 0..<count {
            // Public /24s: first octet 1...99 avoids every special-purpose range below 100.64/10
            // except 10/8, which is skipped.
            var first = UInt8.random(in: 1...99, using: &rng)
            if first == 10 { first = 11 }
            let line = "\(first).\(UInt8.random(in: 0...255, using: &rng)).\(UInt8.random(in: 0...255, using: &rng)).0/24"
            body.append(contentsOf: line.utf8)
            if index < count - 1 { body.append(UInt8(ascii: "\n")) }
        }

        let clock = ContinuousClock()
        var parsed: [IPv4Prefix] = []
        var aggregated: [IPv4Prefix] = []
        let parseTime = try clock.measure {
            parsed = try ListParser.parse(body, as: IPv4Prefix.self, source: "selfcheck")
        }
        let aggregateTime = clock.measure {
            aggregated = aggregate(parsed)
        }
        XCTAssertEqual(parsed.count, count)
        XCTAssertEqual(coverage(aggregated), coverage(Array(Set(parsed))))
        print("selfcheck: \(body.count) bytes, \(count) lines: parse \(parseTime), aggregate \(aggregateTime) -> \(aggregated.count) prefixes")
    }
}
