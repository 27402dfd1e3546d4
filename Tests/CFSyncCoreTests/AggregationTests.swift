import XCTest
@testable import CFSyncCore

final class AggregationTests: XCTestCase {
    func testExamples() {
        XCTAssertEqual(aggregate([IPv4Prefix]()), [])
        XCTAssertEqual(aggregate([ip4("104.16.0.0/13"), ip4("104.16.0.0/13")]), [ip4("104.16.0.0/13")], "duplicates")
        XCTAssertEqual(aggregate([ip4("104.24.0.0/14"), ip4("104.16.0.0/12"), ip4("104.20.1.0/24")]), [ip4("104.16.0.0/12")], "contained")
        XCTAssertEqual(aggregate([ip4("104.16.0.0/13"), ip4("104.24.0.0/14"), ip4("104.28.0.0/14")]), [ip4("104.16.0.0/12")], "siblings merge recursively")
        XCTAssertEqual(aggregate([ip4("104.16.0.0/13"), ip4("104.24.0.0/14")]), [ip4("104.16.0.0/13"), ip4("104.24.0.0/14")],
                       "the 2021 list does not merge back into a /12")
        XCTAssertEqual(aggregate([ip4("10.0.1.0/24"), ip4("10.0.2.0/24")]), [ip4("10.0.1.0/24"), ip4("10.0.2.0/24")], "adjacent but not siblings")
        XCTAssertEqual(aggregate([ip4("0.0.0.0/1"), ip4("128.0.0.0/1")]), [ip4("0.0.0.0/0")])
        XCTAssertEqual(aggregate([ip4("1.2.3.4/32"), ip4("1.2.3.5/32"), ip4("1.2.3.6/31")]), [ip4("1.2.3.4/30")])
        XCTAssertEqual(aggregate([ip6("2400:cb00::/33"), ip6("2400:cb00:8000::/33"), ip6("2400:cb00:1::/48")]), [ip6("2400:cb00::/32")])
        XCTAssertEqual(aggregate(Set([ip4("1.0.0.0/24"), ip4("1.0.1.0/24")])), [ip4("1.0.0.0/23")], "any sequence")
    }

    func testCloudflareFixturesAreAlreadyMinimal() throws {
        let v4 = try CloudflareFixtures.lines("ips-v4").map(ip4)
        XCTAssertEqual(v4.count, 15)
        XCTAssertEqual(aggregate(v4), v4.sorted())
        XCTAssertEqual(coverage(v4), 1_524_736)
        let v6 = try CloudflareFixtures.lines("ips-v6").map(ip6)
        XCTAssertEqual(v6.count, 7)
        XCTAssertEqual(aggregate(v6), v6.sorted())
    }

    func testCoverageCountsOverlapsOnce() {
        XCTAssertEqual(coverage([ip4("104.16.0.0/12"), ip4("104.16.0.0/13")]), 1_048_576)
        XCTAssertEqual(coverage([IPv4Prefix]()), 0)
        XCTAssertEqual(coverage([ip6("::/0")]), 0x1p128)
    }

    func testRangeToPrefixes() {
        let range: [IPv4Prefix] = prefixes(from: ip4("104.16.0.0/32").address, through: ip4("104.27.255.255/32").address)
        XCTAssertEqual(range, [ip4("104.16.0.0/13"), ip4("104.24.0.0/14")])
        XCTAssertEqual(prefixes(from: 5, through: 5) as [IPv4Prefix], [ip4("0.0.0.5/32")])
        XCTAssertEqual(prefixes(from: 1, through: 0) as [IPv4Prefix], [])
        XCTAssertEqual(prefixes(from: 0, through: .max) as [IPv4Prefix], [ip4("0.0.0.0/0")])
        XCTAssertEqual(prefixes(from: 0, through: .max) as [IPv6Prefix], [ip6("::/0")])
        let nearlyAll: [IPv4Prefix] = prefixes(from: 1, through: .max - 1)
        XCTAssertEqual(nearlyAll.count, 62)
        XCTAssertEqual(nearlyAll.first, ip4("0.0.0.1/32"))
        XCTAssertEqual(nearlyAll.last, ip4("255.255.255.254/32"))
        XCTAssertTrue(nearlyAll.contains(ip4("128.0.0.0/2")))
        XCTAssertEqual(prefixes(from: ip4("10.0.0.1/32").address, through: ip4("10.0.0.6/32").address) as [IPv4Prefix],
                       [ip4("10.0.0.1/32"), ip4("10.0.0.2/31"), ip4("10.0.0.4/31"), ip4("10.0.0.6/32")])
    }

    // MARK: properties

    func testAggregatePropertiesIPv4() {
        var rng = SplitMix64(seed: 0xC0FFEE)
        for round in 0..<400 {
            let input = (0..<Int.random(in: 0...40, using: &rng)).map { _ in randomPrefix(IPv4Prefix.self, using: &rng) }
            checkAggregate(input, "round \(round)")
        }
    }

    func testAggregatePropertiesIPv6() {
        var rng = SplitMix64(seed: 42)
        for round in 0..<400 {
            let input = (0..<Int.random(in: 0...40, using: &rng)).map { _ in randomPrefix(IPv6Prefix.self, using: &rng) }
            checkAggregate(input, "round \(round)")
        }
    }

    func testRangePropertiesIPv4() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let a = randomBits(UInt32.self, using: &rng), b = randomBits(UInt32.self, using: &rng)
            checkRange(IPv4Prefix.self, from: min(a, b), through: max(a, b))
        }
    }

    func testRangePropertiesIPv6() {
        var rng = SplitMix64(seed: 8)
        for _ in 0..<500 {
            let a = randomBits(UInt128.self, using: &rng), b = randomBits(UInt128.self, using: &rng)
            checkRange(IPv6Prefix.self, from: min(a, b), through: max(a, b))
        }
    }

    // MARK: helpers

    /// Clustered values (shared high bits, runs of zeros and ones) so prefixes collide and merge often.
    private func randomBits<B: FixedWidthInteger & UnsignedInteger>(_: B.Type, using rng: inout SplitMix64) -> B {
        let base: B = [0, B.max, B(1) << (B.bitWidth - 1), B(0x68) << (B.bitWidth - 8)].randomElement(using: &rng) ?? 0
        let noiseBits = Int.random(in: 0...B.bitWidth, using: &rng)
        let noise = noiseBits == 0 ? 0 : B.random(in: 0...B.max, using: &rng) & (B.max >> (B.bitWidth - noiseBits))
        return base ^ noise
    }

    private func randomPrefix<P: IPPrefix>(_: P.Type, using rng: inout SplitMix64) -> P {
        let length = Int.random(in: max(0, P.maxLength - 12)...P.maxLength, using: &rng)
        let shortLength = Int.random(in: 0...P.maxLength, using: &rng)
        return P(containing: randomBits(P.Bits.self, using: &rng), length: Bool.random(using: &rng) ? length : shortLength)
    }

    private func checkAggregate<P: IPPrefix>(_ input: [P], _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        let output = aggregate(input)
        XCTAssertEqual(intervals(output), intervals(input), "same addresses, \(context)", file: file, line: line)
        assertMinimal(output, context, file: file, line: line)
        XCTAssertEqual(aggregate(output), output, "idempotent, \(context)", file: file, line: line)
        XCTAssertEqual(aggregate(input.shuffled()), output, "order-independent, \(context)", file: file, line: line)
        // The canonical answer: each merged interval split into its minimal prefixes.
        let canonical: [P] = intervals(input).flatMap { prefixes(from: $0.lowerBound, through: $0.upperBound) as [P] }
        XCTAssertEqual(output, canonical, context, file: file, line: line)
    }

    private func checkRange<P: IPPrefix>(_: P.Type, from first: P.Bits, through last: P.Bits, file: StaticString = #filePath, line: UInt = #line) {
        let output: [P] = prefixes(from: first, through: last)
        XCTAssertEqual(intervals(output), [first...last], file: file, line: line)
        assertMinimal(output, "\(first)...\(last)", file: file, line: line)
        XCTAssertEqual(aggregate(output), output, file: file, line: line)
    }

    /// Sorted, pairwise disjoint, and no two neighbours are sibling halves of one parent.
    private func assertMinimal<P: IPPrefix>(_ list: [P], _ context: String, file: StaticString, line: UInt) {
        XCTAssertEqual(list, list.sorted(), "sorted, \(context)", file: file, line: line)
        for (a, b) in zip(list, list.dropFirst()) {
            XCTAssertLessThan(a.last, b.first, "overlap \(a) \(b), \(context)", file: file, line: line)
            if a.length == b.length, a.length > 0 {
                XCTAssertNotEqual(parent(a), parent(b), "mergeable \(a) \(b), \(context)", file: file, line: line)
            }
        }
    }

    private func parent<P: IPPrefix>(_ prefix: P) -> P {
        P(containing: prefix.address, length: prefix.length - 1)
    }
}
