import XCTest
@testable import CFSyncCore

/// One body, read as the format it was fetched in: the last accepted list of a family is
/// re-read from the state dir whatever source it came from.
final class ListFormatTests: XCTestCase {
    private let api = "https://api.cloudflare.com/client/v4/ips"

    func testPlainListsHoldOneFamily() throws {
        let v4 = try CloudflareFixtures.bytes("ips-v4")
        let parsed = try ListFormat.plain.parse(v4, families: [.ipv4], source: "v4")
        XCTAssertEqual(parsed.ipv4, try ListParser.parse(v4, as: IPv4Prefix.self, source: "v4"))
        XCTAssertEqual(parsed.ipv6, [])
        assertThrows(ListError.self, containing: "v4 line 1: '173.245.48.0/20' is an IPv4 CIDR, expected IPv6") {
            try ListFormat.plain.parse(v4, families: [.ipv6], source: "v4")
        }
    }

    func testTheAPIBodyServesBothFamilies() throws {
        let body = try CloudflareFixtures.bytes("api.json")
        let both = try ListFormat.cloudflareAPI.parse(body, families: [.ipv4, .ipv6], source: api)
        XCTAssertEqual(both.ipv4.count, 15)
        XCTAssertEqual(both.ipv6.count, 7)
        let v6Only = try ListFormat.cloudflareAPI.parse(body, families: [.ipv6], source: api)
        XCTAssertEqual(v6Only, AddressLists(ipv6: both.ipv6))
    }

    func testAnAPIAnswerWithoutAManagedFamilyIsRefused() throws {
        let body = Array(#"{"result":{"ipv4_cidrs":[],"ipv6_cidrs":["2400:cb00::/32"]},"success":true}"#.utf8)
        XCTAssertEqual(try ListFormat.cloudflareAPI.parse(body, families: [.ipv6], source: api).ipv6, [ip6("2400:cb00::/32")])
        assertThrows(ListError.self, containing: "\(api): no IPv4 prefixes in the API answer") {
            try ListFormat.cloudflareAPI.parse(body, families: [.ipv4, .ipv6], source: api)
        }
    }

    /// A version 1 state dir kept lists by URL only: each body tells its family.
    func testRecognisesWhatABodyHolds() throws {
        XCTAssertEqual(ListFormat.recognise(try CloudflareFixtures.bytes("ips-v4"))?.format, .plain)
        XCTAssertEqual(ListFormat.recognise(try CloudflareFixtures.bytes("ips-v4"))?.families, [.ipv4])
        XCTAssertEqual(ListFormat.recognise(try CloudflareFixtures.bytes("ips-v6"))?.families, [.ipv6])
        let api = ListFormat.recognise(try CloudflareFixtures.bytes("api.json"))
        XCTAssertEqual(api?.format, .cloudflareAPI)
        XCTAssertEqual(api?.families, [.ipv4, .ipv6])
        let v6Only = Array(#"{"result":{"ipv4_cidrs":[],"ipv6_cidrs":["2400:cb00::/32"]},"success":true}"#.utf8)
        XCTAssertEqual(ListFormat.recognise(v6Only)?.families, [.ipv6])
        XCTAssertNil(ListFormat.recognise(Array("<html>".utf8)))
        XCTAssertNil(ListFormat.recognise(Array("10.0.0.0/8".utf8)))
        XCTAssertNil(ListFormat.recognise([]))
    }
}
