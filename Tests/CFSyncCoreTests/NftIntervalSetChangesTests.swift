import CFSyncCore
import CFSyncTestSupport
import XCTest

/// What `NftablesBackend` proves a commit by: the observed elements changed by the committed
/// ones, computed without reading the set back.
final class NftIntervalSetChangesTests: XCTestCase {
    typealias Change = NftTransaction.SetChange

    func encode(_ prefixes: String...) -> [NftIntervalSet.Element] {
        NftIntervalSet.encode(prefixes.flatMap { v4($0) })
    }

    func testADeltaOverTheObservedElementsIsTheDesiredEncoding() {
        let held = NftIntervalSet.applying(
            [Change(family: .ipv4, deletions: encode("173.245.48.0/20"), additions: [NftIntervalSet.zeroEnd] + encode("198.41.128.0/17"))],
            to: [NftIntervalSet.zeroEnd] + encode("104.16.0.0/12", "173.245.48.0/20"))
        XCTAssertEqual(held, NftIntervalSet.ordered(encode("104.16.0.0/12", "198.41.128.0/17")))
    }

    /// Adjacent prefixes share a key (one's end, the next's start): deleting one keeps the
    /// other's, and adding one next to a kept one adds only its own.
    func testAdjacentPrefixesShareAKey() {
        XCTAssertEqual(NftIntervalSet.applying([Change(family: .ipv4, deletions: encode("104.24.0.0/14"))],
                                               to: encode("104.16.0.0/13", "104.24.0.0/14")),
                       NftIntervalSet.ordered(encode("104.16.0.0/13")))
        XCTAssertEqual(NftIntervalSet.applying([Change(family: .ipv4, additions: encode("104.24.0.0/14"))],
                                               to: encode("104.16.0.0/13")),
                       NftIntervalSet.ordered(encode("104.16.0.0/13", "104.24.0.0/14")))
    }

    func testAFlushStartsFromNothing() {
        let held = NftIntervalSet.applying([Change(family: .ipv4, flush: true, additions: encode("173.245.48.0/20"))],
                                           to: encode("104.16.0.0/12"))
        XCTAssertEqual(held, NftIntervalSet.ordered(encode("173.245.48.0/20")))
    }

    /// A delta planned from a stale read does not add up to the desired elements.
    func testAChangeThatMissesAnElementDoesNotAddUp() {
        let held = NftIntervalSet.applying([Change(family: .ipv4, additions: encode("198.41.128.0/17"))],
                                           to: encode("104.16.0.0/12", "173.245.48.0/20"))
        XCTAssertNotEqual(held, NftIntervalSet.ordered(encode("104.16.0.0/12", "198.41.128.0/17")))
    }

    func testAnIntervalOfSeveralPrefixesIsNotAnExactEncoding() {
        let prefixes = v4("10.0.0.0/24", "10.0.1.0/25")
        XCTAssertTrue(NftIntervalSet.isExactEncoding([NftIntervalSet.zeroEnd] + NftIntervalSet.encode(prefixes), of: prefixes))
        // One interval 10.0.0.0 - 10.0.1.127: two prefixes, two elements.
        let oneInterval = [NftIntervalSet.Element(key: UInt128(v4("10.0.0.0/24")[0].first), isIntervalEnd: false),
                           NftIntervalSet.Element(key: UInt128(v4("10.0.1.128/25")[0].first), isIntervalEnd: true)]
        XCTAssertEqual(NftIntervalSet.decode(oneInterval, as: IPv4Prefix.self), prefixes)
        XCTAssertFalse(NftIntervalSet.isExactEncoding(oneInterval, of: prefixes))
    }
}
