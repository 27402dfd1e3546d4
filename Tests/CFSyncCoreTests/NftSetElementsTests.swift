import CFSyncCore
import CFSyncTestSupport
import XCTest

final class NftSetElementsTests: XCTestCase {
    /// Captured from `nft -j list table inet cfsync` (nft 1.0.6): a bare /32,
    /// a prefix, and a range as auto-merge would print it.
    let json = """
        {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, \
        {"table": {"family": "inet", "name": "cfsync", "handle": 2}}, \
        {"set": {"family": "inet", "name": "allow_v4", "table": "cfsync", "type": "ipv4_addr", "handle": 1, "flags": ["interval"], \
        "elem": ["1.2.3.4", {"prefix": {"addr": "104.16.0.0", "len": 12}}, {"range": ["198.41.128.0", "198.41.255.255"]}]}}, \
        {"set": {"family": "inet", "name": "allow_v6", "table": "cfsync", "type": "ipv6_addr", "handle": 2, "flags": ["interval"], \
        "elem": [{"prefix": {"addr": "2606:4700::", "len": 32}}]}}, \
        {"chain": {"family": "inet", "table": "cfsync", "name": "input", "handle": 3, "type": "filter", "hook": "input", "prio": -10, "policy": "accept"}}]}
        """

    func testReadsAddressesPrefixesAndRanges() throws {
        let lists = try NftSetElements.parse(json: json)
        XCTAssertEqual(lists.ipv4, v4("1.2.3.4/32", "104.16.0.0/12", "198.41.128.0/17"))
        XCTAssertEqual(lists.ipv6, v6("2606:4700::/32"))
    }

    func testEmptySetsAreEmptyLists() throws {
        let lists = try NftSetElements.parse(json: #"{"nftables": [{"set": {"family": "inet", "name": "allow_v4", "table": "cfsync", "type": "ipv4_addr", "flags": ["interval"]}}]}"#)
        XCTAssertEqual(lists, .empty)
    }

    func testRejectsUnknownElementShapes() {
        XCTAssertThrowsError(try NftSetElements.parse(json: #"{"nftables": [{"set": {"table": "cfsync", "name": "allow_v4", "elem": [42]}}]}"#))
        XCTAssertThrowsError(try NftSetElements.parse(json: #"{"other": []}"#))
    }
}
