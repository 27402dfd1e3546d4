import XCTest
@testable import CFSyncCore

final class CloudflareAPIListTests: XCTestCase {
    private let source = "https://api.cloudflare.com/client/v4/ips"

    private func parse(_ json: String) throws -> CloudflareAPIList {
        try CloudflareAPIList.parse(Array(json.utf8), source: source)
    }

    private func assertRefused(_ json: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(json), file: file, line: line) { error in
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    func testRealFixtureMatchesPlainLists() throws {
        let api = try CloudflareAPIList.parse(CloudflareFixtures.bytes("api.json"), source: source)
        XCTAssertEqual(api.etag, "38f79d050aa027e3be3865e495dcc9bc")
        XCTAssertEqual(api.ipv4, try ListParser.parse(CloudflareFixtures.bytes("ips-v4"), as: IPv4Prefix.self, source: "v4"))
        XCTAssertEqual(api.ipv6, try ListParser.parse(CloudflareFixtures.bytes("ips-v6"), as: IPv6Prefix.self, source: "v6"))
    }

    func testEmptyArraysAndMissingEtagAreAccepted() throws {
        let api = try parse(#"{"result":{"ipv4_cidrs":[],"ipv6_cidrs":["2400:cb00::/32"]},"success":true}"#)
        XCTAssertEqual(api, CloudflareAPIList(ipv4: [], ipv6: [ip6("2400:cb00::/32")], etag: nil))
        XCTAssertNoThrow(try CloudflareAPIList.parse([0xEF, 0xBB, 0xBF] + Array(#"{"result":{"ipv4_cidrs":[],"ipv6_cidrs":[]},"success":true}"#.utf8), source: source))
    }

    func testFailureQuotesTheAPIErrors() {
        assertRefused(#"{"result":null,"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[]}"#,
                      "\(source): the API reported failure: 'Authentication error'")
        assertRefused(#"{"success":false,"errors":[]}"#, "\(source): the API reported failure: success is false")
    }

    func testMissingFields() {
        assertRefused(#"{"result":{"ipv4_cidrs":[],"ipv6_cidrs":[]}}"#, "\(source): field 'success' is missing")
        assertRefused(#"{"success":true}"#, "\(source): field 'result' is missing")
        assertRefused(#"{"result":{"ipv6_cidrs":[]},"success":true}"#, "\(source): field 'result.ipv4_cidrs' is missing")
        assertRefused(#"{"result":{"ipv4_cidrs":["104.16.0.0/13"]},"success":true}"#, "\(source): field 'result.ipv6_cidrs' is missing")
    }

    func testWrongTypes() {
        assertRefused(#"{"result":{"ipv4_cidrs":[],"ipv6_cidrs":[]},"success":"true"}"#, "\(source): field 'success' is not a boolean")
        assertRefused(#"{"result":{"ipv4_cidrs":["1.0.0.0/24",7],"ipv6_cidrs":[]},"success":true}"#,
                      "\(source): field 'result.ipv4_cidrs[1]' is not a string")
    }

    func testNotJSON() {
        assertRefused("<!DOCTYPE html>\n<html>", #"\#(source): body is not JSON: '<!DOCTYPE html>\n<html>'"#)
        assertRefused("", "\(source): body is not JSON: ''")
    }

    func testEntriesPassTheListGuards() {
        assertRefused(#"{"result":{"ipv4_cidrs":["104.16.0.0/13","10.0.0.0/8"],"ipv6_cidrs":[]},"success":true}"#,
                      "\(source): result.ipv4_cidrs[1]: '10.0.0.0/8' is a special-purpose range (private-use)")
        assertRefused(#"{"result":{"ipv4_cidrs":["2400:cb00::/32"],"ipv6_cidrs":[]},"success":true}"#,
                      "\(source): result.ipv4_cidrs[0]: '2400:cb00::/32' is an IPv6 CIDR, expected IPv4")
        assertRefused(#"{"result":{"ipv4_cidrs":[],"ipv6_cidrs":["2400:cb00::1/32"]},"success":true}"#,
                      "\(source): result.ipv6_cidrs[0]: '2400:cb00::1/32' has host bits set (did you mean 2400:cb00::/32?)")
        assertRefused(#"{"result":{"ipv4_cidrs":[],"ipv6_cidrs":["::/0"]},"success":true}"#,
                      "\(source): result.ipv6_cidrs[0]: '::/0' is shorter than /16")
    }
}
