import XCTest
@testable import CFSyncCore

final class PrefixParsingTests: XCTestCase {
    func testIPv4RoundTrip() throws {
        for text in ["104.16.0.0/13", "0.0.0.0/0", "1.2.3.4/32", "255.255.255.255/32", "10.0.0.0/8"] {
            XCTAssertEqual(try IPv4Prefix(parsing: text).description, text)
        }
        let prefix = try IPv4Prefix(parsing: "104.16.0.0/13")
        XCTAssertEqual(prefix.address, 0x6810_0000)
        XCTAssertEqual(prefix.length, 13)
        XCTAssertEqual(prefix.last, 0x6817_FFFF)
        XCTAssertEqual(prefix.addressCount, 524_288)
    }

    func testBareAddressIsHostPrefix() throws {
        XCTAssertEqual(try IPv4Prefix(parsing: "198.51.100.7").description, "198.51.100.7/32")
        XCTAssertEqual(try IPv6Prefix(parsing: "2001:db8::1").description, "2001:db8::1/128")
        XCTAssertEqual(try IPv4Prefix(parsing: Substring("x1.2.3.4").dropFirst()).description, "1.2.3.4/32")
    }

    func testIPv6CanonicalTextFollowsRFC5952() throws {
        let cases = [
            "2400:CB00:0000:0000:0000:0000:0000:0000/32": "2400:cb00::/32",
            "2001:db8:0:0:1:0:0:1/128": "2001:db8::1:0:0:1/128",
            "2001:0db8:0000:0001:0001:0001:0001:0001/128": "2001:db8:0:1:1:1:1:1/128",
            "2001:db8::/32": "2001:db8::/32",
            "::/0": "::/0",
            "::1": "::1/128",
            "::ffff:0:0/96": "::ffff:0:0/96",
            "1:0:0:2:0:0:0:3": "1:0:0:2::3/128",
            "1:0:0:2:0:0:3:4": "1::2:0:0:3:4/128",
            "1:2:3:4:5:6:7::": "1:2:3:4:5:6:7:0/128",
            "::2:3:4:5:6:7:8": "0:2:3:4:5:6:7:8/128",
            "fe80::/10": "fe80::/10",
            "2a06:98c0::/29": "2a06:98c0::/29",
        ]
        for (input, canonical) in cases {
            XCTAssertEqual(try IPv6Prefix(parsing: input).description, canonical, input)
        }
    }

    func testMalformedIPv4() {
        let bad = ["", "<html>", "104.16.", "104.16.0", "104.16.0.0/", "104.16.0.0/x", "1.2.3.4.5", "256.1.1.0/24",
                   "010.1.1.1", "1.2.3.04", "1.2.3.4/032", "1.2.3.0 /24", " 1.2.3.0/24", "1.2.3.0/24 ",
                   "1234.1.1.1", "1.2.3.4/", "1.2.3.4//32", "-1.2.3.4", "1.2.3.4/+8", "1.2.3.4/1234",
                   "131.0.72.0/222400:cb00::/32"]
        for text in bad {
            XCTAssertThrowsError(try IPv4Prefix(parsing: text), text) { error in
                XCTAssertEqual(error as? PrefixError, .malformed(text: text, expected: .ipv4), text)
            }
        }
    }

    func testMalformedIPv6() {
        let bad = ["", ":", ":::", "1:2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
                   "12345::", "fe80::1%eth0", "::ffff:1.2.3.4", "g::", "2400:cb00::/", "2400:cb00::/032",
                   "/32", "2400:cb00:/32", "2400:cb00::/32 "]
        for text in bad {
            XCTAssertThrowsError(try IPv6Prefix(parsing: text), text) { error in
                XCTAssertEqual(error as? PrefixError, .malformed(text: text, expected: .ipv6), text)
            }
        }
    }

    func testHostBitsSet() {
        XCTAssertThrowsError(try IPv4Prefix(parsing: "104.16.0.1/12")) { error in
            XCTAssertEqual(error as? PrefixError, .hostBitsSet(text: "104.16.0.1/12", network: "104.16.0.0/12"))
            XCTAssertEqual("\(error)", "'104.16.0.1/12' has host bits set (did you mean 104.16.0.0/12?)")
        }
        XCTAssertThrowsError(try IPv6Prefix(parsing: "2400:cb00::1/32")) { error in
            XCTAssertEqual(error as? PrefixError, .hostBitsSet(text: "2400:cb00::1/32", network: "2400:cb00::/32"))
        }
        XCTAssertThrowsError(try IPv4Prefix(address: 0x0A00_0001, length: 8)) { error in
            XCTAssertEqual(error as? PrefixError, .hostBitsSet(text: "10.0.0.1/8", network: "10.0.0.0/8"))
        }
    }

    func testBadLength() {
        XCTAssertThrowsError(try IPv4Prefix(parsing: "1.2.3.0/33")) { error in
            XCTAssertEqual(error as? PrefixError, .badLength(text: "1.2.3.0/33", length: 33, family: .ipv4))
            XCTAssertEqual("\(error)", "'1.2.3.0/33' has prefix length 33, IPv4 allows 0 to 32")
        }
        XCTAssertThrowsError(try IPv6Prefix(parsing: "2400::/129")) { error in
            XCTAssertEqual(error as? PrefixError, .badLength(text: "2400::/129", length: 129, family: .ipv6))
        }
        XCTAssertThrowsError(try IPv4Prefix(address: 0, length: -1))
        XCTAssertThrowsError(try IPv6Prefix(address: 0, length: 129))
    }

    func testWrongFamily() {
        XCTAssertThrowsError(try IPv4Prefix(parsing: "2400:cb00::/32")) { error in
            XCTAssertEqual(error as? PrefixError, .wrongFamily(text: "2400:cb00::/32", expected: .ipv4))
            XCTAssertEqual("\(error)", "'2400:cb00::/32' is an IPv6 CIDR, expected IPv4")
        }
        XCTAssertThrowsError(try IPv6Prefix(parsing: "104.16.0.0/13")) { error in
            XCTAssertEqual(error as? PrefixError, .wrongFamily(text: "104.16.0.0/13", expected: .ipv6))
        }
    }

    func testErrorTextIsOneLineAndTruncated() {
        let long = String(repeating: "x", count: 500) + "\n<body>"
        XCTAssertThrowsError(try IPv4Prefix(parsing: long)) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"))
            XCTAssertLessThan(text.count, 100)
            XCTAssertTrue(text.hasSuffix("…' is not an IPv4 CIDR"), text)
        }
        XCTAssertThrowsError(try IPv4Prefix(parsing: "1.2.3.0/24\r\u{0}")) { error in
            XCTAssertEqual("\(error)", #"'1.2.3.0/24\r\0' is not an IPv4 CIDR"#)
        }
    }

    func testContainsOverlapsAndOrder() {
        XCTAssertTrue(ip4("104.16.0.0/12").contains(ip4("104.24.0.0/14")))
        XCTAssertFalse(ip4("104.24.0.0/14").contains(ip4("104.16.0.0/12")))
        XCTAssertTrue(ip4("104.24.0.0/14").overlaps(ip4("104.16.0.0/12")))
        XCTAssertFalse(ip4("104.16.0.0/13").overlaps(ip4("104.24.0.0/14")))
        XCTAssertTrue(ip4("0.0.0.0/0").contains(ip4("255.255.255.255/32")))
        XCTAssertTrue(ip6("2400:cb00::/32").contains(ip6("2400:cb00:1::/48")))
        XCTAssertEqual(ip6("::/0").last, UInt128.max)
        XCTAssertEqual(ip6("2400:cb00::/32").addressCount, 0x1p96)
        XCTAssertLessThan(ip4("104.16.0.0/12"), ip4("104.16.0.0/13"))
        XCTAssertLessThan(ip4("104.16.0.0/13"), ip4("104.24.0.0/14"))
        XCTAssertEqual(IPv4Prefix(containing: 0x6811_2233, length: 12), ip4("104.16.0.0/12"))
        XCTAssertLessThan(Family.ipv4, Family.ipv6)
    }

    func testCodableUsesCanonicalText() throws {
        let encoded = try JSONEncoder().encode([ip4("104.16.0.0/13")])
        XCTAssertEqual(String(decoding: encoded, as: UTF8.self).replacingOccurrences(of: "\\/", with: "/"), #"["104.16.0.0/13"]"#)
        XCTAssertEqual(try JSONDecoder().decode([IPv4Prefix].self, from: encoded), [ip4("104.16.0.0/13")])
        let v6 = try JSONDecoder().decode([IPv6Prefix].self, from: Data(#"["2400:CB00::/32"]"#.utf8))
        XCTAssertEqual(v6, [ip6("2400:cb00::/32")])
        XCTAssertThrowsError(try JSONDecoder().decode([IPv4Prefix].self, from: Data(#"["10.0.0.1/8"]"#.utf8)))
        let any = try JSONDecoder().decode([AnyPrefix].self, from: Data(#"["2400:cb00::/32","1.2.3.4"]"#.utf8))
        XCTAssertEqual(any, [.ipv6(ip6("2400:cb00::/32")), .ipv4(ip4("1.2.3.4/32"))])
        let text = String(decoding: try JSONEncoder().encode(any), as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
        XCTAssertEqual(text, #"["2400:cb00::/32","1.2.3.4/32"]"#)
    }

    func testAnyPrefixPicksFamily() throws {
        XCTAssertEqual(try AnyPrefix(parsing: "192.168.1.0/24"), .ipv4(ip4("192.168.1.0/24")))
        XCTAssertEqual(try AnyPrefix(parsing: "fd00::/8").family, .ipv6)
        XCTAssertThrowsError(try AnyPrefix(parsing: "example.com")) { error in
            XCTAssertEqual("\(error)", "'example.com' is not an IPv4 or IPv6 CIDR")
        }
        XCTAssertThrowsError(try AnyPrefix(parsing: "2001:db8::1/64")) { error in
            XCTAssertEqual(error as? PrefixError, .hostBitsSet(text: "2001:db8::1/64", network: "2001:db8::/64"))
        }
        XCTAssertThrowsError(try AnyPrefix(parsing: "1.2.3.4/40")) { error in
            XCTAssertEqual(error as? PrefixError, .badLength(text: "1.2.3.4/40", length: 40, family: .ipv4))
        }
        XCTAssertLessThan(AnyPrefix.ipv4(ip4("255.0.0.0/8")), AnyPrefix.ipv6(ip6("::/0")))
    }
}
