import CFSyncCore
import CFSyncTestSupport
import XCTest

/// What `NftablesBackend` proves a commit by: the observed elements changed by the committed ones.
final class NftElementSetTests: XCTestCase {
    func encode(_ prefixes: String...) -> [NftIntervalSet.Element] {
        NftIntervalSet.encode(prefixes.flatMap { v4($0) })
    }

    func testADeltaOverTheObservedElementsIsTheDesiredEncoding() {
        var held = NftElementSet([NftIntervalSet.zeroEnd] + encode("104.16.0.0/12", "173.245.48.0/20"))
        held.apply(NftTransaction.SetChange(
            family: .ipv4, deletions: encode("173.245.48.0/20"), additions: [NftIntervalSet.zeroEnd] + encode("198.41.128.0/17")))
        XCTAssertEqual(held, NftElementSet(encode("104.16.0.0/12", "198.41.128.0/17")))
    }

    /// Adjacent prefixes share a key (one's end, the next's start): deleting one keeps the other's.
    func testDeletingOneOfTwoAdjacentPrefixesKeepsTheOther() {
        var held = NftElementSet(encode("104.16.0.0/13", "104.24.0.0/14"))
        held.apply(NftTransaction.SetChange(family: .ipv4, deletions: encode("104.24.0.0/14")))
        XCTAssertEqual(held, NftElementSet(encode("104.16.0.0/13")))
    }

    func testAFlushStartsFromNothing() {
        var held = NftElementSet(encode("104.16.0.0/12"))
        held.apply(NftTransaction.SetChange(family: .ipv4, flush: true, additions: encode("173.245.48.0/20")))
        XCTAssertEqual(held, NftElementSet(encode("173.245.48.0/20")))
        XCTAssertNotEqual(held, NftElementSet(encode("104.16.0.0/12", "173.245.48.0/20")))
    }
}
