import XCTest
@testable import CFSyncCore

final class PrefixDiffTests: XCTestCase {
    func testThe2021Change() {
        let diff = PrefixDiff(installed: [ip4("173.245.48.0/20"), ip4("104.16.0.0/12")],
                              desired: [ip4("104.24.0.0/14"), ip4("173.245.48.0/20"), ip4("104.16.0.0/13")])
        XCTAssertEqual(diff.add, [ip4("104.16.0.0/13"), ip4("104.24.0.0/14")])
        XCTAssertEqual(diff.remove, [ip4("104.16.0.0/12")])
        XCTAssertFalse(diff.isEmpty)
    }

    func testNoChange() {
        let list = [ip6("2400:cb00::/32"), ip6("2606:4700::/32")]
        let diff = PrefixDiff(installed: list, desired: list.reversed() + list)
        XCTAssertTrue(diff.isEmpty)
        XCTAssertEqual(diff, PrefixDiff(installed: [], desired: []))
    }

    func testFromAndToEmpty() {
        let list = [ip4("104.24.0.0/14"), ip4("104.16.0.0/13"), ip4("104.16.0.0/13")]
        XCTAssertEqual(PrefixDiff(installed: [], desired: list).add, [ip4("104.16.0.0/13"), ip4("104.24.0.0/14")])
        XCTAssertEqual(PrefixDiff(installed: list, desired: []).remove, [ip4("104.16.0.0/13"), ip4("104.24.0.0/14")])
        XCTAssertEqual(PrefixDiff(installed: list, desired: []).add, [])
    }

    func testSameAddressDifferentLengthIsAChange() {
        let diff = PrefixDiff(installed: [ip4("104.16.0.0/13")], desired: [ip4("104.16.0.0/12")])
        XCTAssertEqual(diff.add, [ip4("104.16.0.0/12")])
        XCTAssertEqual(diff.remove, [ip4("104.16.0.0/13")])
    }

    func testMatchesSetDifference() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<200 {
            let pool = (0..<20).map { IPv4Prefix(containing: UInt32($0) << 8, length: 24 - $0 % 3) }
            let installed = (0..<Int.random(in: 0...15, using: &rng)).compactMap { _ in pool.randomElement(using: &rng) }
            let desired = (0..<Int.random(in: 0...15, using: &rng)).compactMap { _ in pool.randomElement(using: &rng) }
            let diff = PrefixDiff(installed: installed, desired: desired)
            XCTAssertEqual(diff.add, Set(desired).subtracting(installed).sorted())
            XCTAssertEqual(diff.remove, Set(installed).subtracting(desired).sorted())
        }
    }
}
