import XCTest
@testable import CFSyncCore

final class ListParserTests: XCTestCase {
    private let v4URL = "https://www.cloudflare.com/ips-v4"
    private let v6URL = "https://www.cloudflare.com/ips-v6"

    private func parse4(_ text: String) throws -> [IPv4Prefix] {
        try ListParser.parse(Array(text.utf8), as: IPv4Prefix.self, source: v4URL)
    }

    private func parse6(_ text: String) throws -> [IPv6Prefix] {
        try ListParser.parse(Array(text.utf8), as: IPv6Prefix.self, source: v6URL)
    }

    /// Asserts the exact one-line message, so the source and line number are checked too.
    private func assertRefused4(_ text: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse4(text), file: file, line: line) { error in
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    private func assertRefused6(_ text: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse6(text), file: file, line: line) { error in
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    func testRealCloudflareFixtures() throws {
        let v4 = try ListParser.parse(CloudflareFixtures.bytes("ips-v4"), as: IPv4Prefix.self, source: v4URL)
        XCTAssertEqual(v4.count, 15)
        XCTAssertEqual(v4.first, ip4("173.245.48.0/20"))
        XCTAssertEqual(v4.last, ip4("131.0.72.0/22"), "last line has no trailing newline")
        let v6 = try ListParser.parse(CloudflareFixtures.bytes("ips-v6"), as: IPv6Prefix.self, source: v6URL)
        XCTAssertEqual(v6.map(\.description), ["2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32",
                                               "2405:8100::/32", "2a06:98c0::/29", "2c0f:f248::/32"])
    }

    func testReturnsPrefixesAsParsedNotAggregated() throws {
        XCTAssertEqual(try parse4("104.16.0.0/13\n104.16.0.0/13\n104.16.0.0/12\n"),
                       [ip4("104.16.0.0/13"), ip4("104.16.0.0/13"), ip4("104.16.0.0/12")])
    }

    func testToleratedFormatting() throws {
        let expected = [ip4("104.16.0.0/13"), ip4("104.24.0.0/14")]
        XCTAssertEqual(try parse4("104.16.0.0/13\r\n104.24.0.0/14\r\n"), expected, "CRLF")
        XCTAssertEqual(try parse4("\u{FEFF}104.16.0.0/13\n104.24.0.0/14"), expected, "BOM")
        XCTAssertEqual(try parse4("# Cloudflare\n\n  # indented\n104.16.0.0/13 # main\n\t104.24.0.0/14\t#x\n\n"), expected)
        XCTAssertEqual(try parse4("104.16.0.0/13\n\n   \n104.24.0.0/14"), expected, "blank lines")
        XCTAssertEqual(try parse4("104.16.0.0/13\n104.24.0.0/14"), expected, "no trailing newline")
        XCTAssertEqual(try parse6("2400:cb00::/32\r\n# v6\r\n2606:4700::/32"), [ip6("2400:cb00::/32"), ip6("2606:4700::/32")])
    }

    func testEmptyLists() {
        assertRefused4("", "https://www.cloudflare.com/ips-v4: no IPv4 prefixes")
        assertRefused4("\u{FEFF}", "https://www.cloudflare.com/ips-v4: no IPv4 prefixes")
        assertRefused4("# nothing here\n\n\r\n", "https://www.cloudflare.com/ips-v4: no IPv4 prefixes")
        assertRefused6("\n", "https://www.cloudflare.com/ips-v6: no IPv6 prefixes")
    }

    func testHTMLPage() {
        assertRefused4("<!DOCTYPE html>\n<html><body>Attention Required!</body></html>",
                       "https://www.cloudflare.com/ips-v4 line 1: '<!DOCTYPE html>' is not an IPv4 CIDR (looks like an HTML page)")
        assertRefused4("104.16.0.0/13\n\n<html>",
                       "https://www.cloudflare.com/ips-v4 line 3: '<html>' is not an IPv4 CIDR (looks like an HTML page)")
    }

    func testPartialLine() {
        assertRefused4("104.16.0.0/13\n104.", "https://www.cloudflare.com/ips-v4 line 2: '104.' is not an IPv4 CIDR")
        assertRefused4("104.16.0.0/13\n104.24.0.0/", "https://www.cloudflare.com/ips-v4 line 2: '104.24.0.0/' is not an IPv4 CIDR")
        assertRefused6("2400:cb00::/32\n2606:47", "https://www.cloudflare.com/ips-v6 line 2: '2606:47' is not an IPv6 CIDR")
    }

    func testTwoListsGluedTogether() {
        assertRefused4("104.24.0.0/14\n131.0.72.0/222400:cb00::/32\n2606:4700::/32",
                       "https://www.cloudflare.com/ips-v4 line 2: '131.0.72.0/222400:cb00::/32' is not an IPv4 CIDR")
    }

    func testHostBitsAndWrongFamily() {
        assertRefused4("104.16.0.1/12", "https://www.cloudflare.com/ips-v4 line 1: '104.16.0.1/12' has host bits set (did you mean 104.16.0.0/12?)")
        assertRefused4("104.16.0.0/13\n2400:cb00::/32", "https://www.cloudflare.com/ips-v4 line 2: '2400:cb00::/32' is an IPv6 CIDR, expected IPv4")
        assertRefused6("104.16.0.0/13", "https://www.cloudflare.com/ips-v6 line 1: '104.16.0.0/13' is an IPv4 CIDR, expected IPv6")
    }

    func testCommentMustFollowWhitespace() {
        assertRefused4("104.16.0.0/13#main", "https://www.cloudflare.com/ips-v4 line 1: '104.16.0.0/13#main' is not an IPv4 CIDR")
    }

    func testControlCharactersAreEscaped() {
        assertRefused4("104.16.0.0/13\r\r\n", #"https://www.cloudflare.com/ips-v4 line 1: '104.16.0.0/13\r' is not an IPv4 CIDR"#)
        assertRefused4("1.1.1.0/24\u{0}", #"https://www.cloudflare.com/ips-v4 line 1: '1.1.1.0/24\0' is not an IPv4 CIDR"#)
        assertRefused4("1.1.1.0/24\r2.2.2.0/24", #"https://www.cloudflare.com/ips-v4 line 1: '1.1.1.0/24\r2.2.2.0/24' is not an IPv4 CIDR"#)
    }

    func testGuardsApplyPerLine() {
        assertRefused4("104.16.0.0/13\n0.0.0.0/0", "https://www.cloudflare.com/ips-v4 line 2: '0.0.0.0/0' is shorter than /8")
        assertRefused4("10.0.0.0/8", "https://www.cloudflare.com/ips-v4 line 1: '10.0.0.0/8' is a special-purpose range (private-use)")
        assertRefused4("8.0.0.0/7", "https://www.cloudflare.com/ips-v4 line 1: '8.0.0.0/7' is shorter than /8")
        assertRefused6("::/0", "https://www.cloudflare.com/ips-v6 line 1: '::/0' is shorter than /16")
        assertRefused6("2400:cb00::/32\nfc00::/7", "https://www.cloudflare.com/ips-v6 line 2: 'fc00::/7' is shorter than /16")
        assertRefused6("fd12:3456::/32", "https://www.cloudflare.com/ips-v6 line 1: 'fd12:3456::/32' overlaps special-purpose range fc00::/7 (unique-local)")
        assertRefused6("2001:db8::/32", "https://www.cloudflare.com/ips-v6 line 1: '2001:db8::/32' is a special-purpose range (documentation)")
    }

    func testLineNumbersCountCommentsAndBlankLines() {
        XCTAssertThrowsError(try parse4("# a\n\n104.16.0.0/13\r\n\r\nbad")) { error in
            XCTAssertEqual((error as? ListError)?.line, 5)
            XCTAssertEqual((error as? ListError)?.source, v4URL)
        }
    }

    func testLongGarbageLineIsTruncated() {
        let garbage = String(repeating: "A", count: 10_000)
        XCTAssertThrowsError(try parse4(garbage)) { error in
            let text = "\(error)"
            XCTAssertLessThan(text.count, 140)
            XCTAssertTrue(text.hasPrefix("https://www.cloudflare.com/ips-v4 line 1: 'AAAA"), text)
        }
    }

    /// A byte that is not UTF-8, even in a comment, is refused with its line: a list is
    /// text, and the state dir keeps its bytes exactly (issue 15, point 6).
    func testNonUTF8TextIsRefusedWithItsLine() {
        let v4 = Array("104.16.0.0/13\n# caf".utf8) + [0xE9] + Array(" list\n104.24.0.0/14".utf8)
        XCTAssertThrowsError(try ListParser.parse(v4, as: IPv4Prefix.self, source: v4URL)) { error in
            XCTAssertEqual("\(error)", "https://www.cloudflare.com/ips-v4 line 2: not UTF-8 text")
        }
        let cases: [(String, [UInt8])] = [
            ("lone continuation byte", [0x80]),
            ("truncated sequence at the end", [0xE2, 0x82]),
            ("overlong encoding", [0xC0, 0xAF]),
            ("UTF-16 surrogate", [0xED, 0xA0, 0x80]),
            ("beyond U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ]
        for (name, bytes) in cases {
            let body = Array("2606:4700::/32\n\n2400:cb00::/32 #".utf8) + bytes
            XCTAssertThrowsError(try ListParser.parse(body, as: IPv6Prefix.self, source: v6URL), name) { error in
                XCTAssertEqual("\(error)", "https://www.cloudflare.com/ips-v6 line 3: not UTF-8 text", name)
            }
        }
    }

    func testUTF8CommentsAreAccepted() throws {
        XCTAssertEqual(try parse4("# Liste für café ✓ 🌐\n104.16.0.0/13 # Zürich\n"), [ip4("104.16.0.0/13")])
    }

    func testSourceWithControlCharactersStaysOneLine() {
        XCTAssertThrowsError(try ListParser.parse([], as: IPv4Prefix.self, source: "file:///tmp/a\nb")) { error in
            XCTAssertEqual("\(error)", #"file:///tmp/a\nb: no IPv4 prefixes"#)
        }
    }
}
