import XCTest
@testable import CFSyncCore

final class ListGuardsTests: XCTestCase {
    private func violation<P: IPPrefix>(_ prefix: P) -> String? {
        do {
            try ListGuards.checkPublic(prefix)
            return nil
        } catch {
            return error.description
        }
    }

    func testCloudflareRangesPass() throws {
        for text in try CloudflareFixtures.lines("ips-v4") {
            XCTAssertNil(violation(ip4(text)), text)
        }
        for text in try CloudflareFixtures.lines("ips-v6") {
            XCTAssertNil(violation(ip6(text)), text)
        }
        XCTAssertNil(violation(ip4("1.0.0.0/8")))
        XCTAssertNil(violation(ip4("223.255.255.255/32")))
        XCTAssertNil(violation(ip6("2000::/16")))
        XCTAssertNil(violation(ip6("3fff:f000::/20")))
    }

    func testTooShort() {
        XCTAssertEqual(violation(ip4("0.0.0.0/0")), "'0.0.0.0/0' is shorter than /8")
        XCTAssertEqual(violation(ip4("104.0.0.0/7")), "'104.0.0.0/7' is shorter than /8")
        XCTAssertEqual(violation(ip6("::/0")), "'::/0' is shorter than /16")
        XCTAssertEqual(violation(ip6("2400::/15")), "'2400::/15' is shorter than /16")
    }

    func testEveryIPv4SpecialPurposeCategory() {
        let cases: [(String, String)] = [
            ("0.0.0.0/8", "this network"), ("10.0.0.0/8", "private-use"), ("10.1.2.0/24", "private-use"),
            ("100.64.0.0/10", "shared address space"), ("127.0.0.1/32", "loopback"), ("169.254.0.0/16", "link-local"),
            ("172.16.0.0/12", "private-use"), ("172.31.255.0/24", "private-use"), ("192.0.0.0/24", "IETF protocol assignments"),
            ("192.0.2.0/24", "documentation"), ("192.88.99.0/24", "6to4 relay anycast"), ("192.168.1.0/24", "private-use"),
            ("198.18.0.0/15", "benchmarking"), ("198.51.100.0/24", "documentation"), ("203.0.113.0/24", "documentation"),
            ("224.0.0.0/8", "multicast"), ("239.255.255.250/32", "multicast"), ("240.0.0.0/8", "reserved"),
            ("255.255.255.255/32", "limited broadcast"), ("192.0.0.0/16", "IETF protocol assignments"),
        ]
        for (text, name) in cases {
            let message = violation(ip4(text))
            XCTAssertNotNil(message, text)
            XCTAssertTrue(message?.hasSuffix("(\(name))") == true, "\(text): \(message ?? "accepted")")
        }
        XCTAssertEqual(violation(ip4("10.0.0.0/8")), "'10.0.0.0/8' is a special-purpose range (private-use)")
        XCTAssertEqual(violation(ip4("192.168.1.0/24")), "'192.168.1.0/24' overlaps special-purpose range 192.168.0.0/16 (private-use)")
        XCTAssertEqual(violation(ip4("192.0.0.0/8")), "'192.0.0.0/8' overlaps special-purpose range 192.0.0.0/24 (IETF protocol assignments)")
        // Neighbours of special ranges are public.
        for text in ["9.255.255.0/24", "11.0.0.0/8", "100.128.0.0/9", "172.32.0.0/11", "192.0.1.0/24", "198.20.0.0/14", "223.0.0.0/8"] {
            XCTAssertNil(violation(ip4(text)), text)
        }
    }

    func testEveryIPv6SpecialPurposeCategory() {
        let cases: [(String, String)] = [
            ("::/128", "unspecified"), ("::1/128", "loopback"), ("::ffff:0:0/96", "IPv4-mapped"),
            ("64:ff9b::/96", "IPv4-IPv6 translation"), ("64:ff9b:1::/48", "local-use IPv4-IPv6 translation"),
            ("100::/64", "discard-only"), ("2001::/23", "IETF protocol assignments"), ("2001:db8::/32", "documentation"),
            ("2001:db8:1234::/48", "documentation"), ("2002::/16", "6to4"), ("3fff::/20", "documentation"),
            ("5f00::/16", "segment routing (SRv6) SIDs"), ("fc00::/16", "unique-local"), ("fd00::/16", "unique-local"),
            ("fe80::/16", "link-local unicast"), ("ff02::1/128", "multicast"),
        ]
        for (text, name) in cases {
            let message = violation(ip6(text))
            XCTAssertTrue(message?.hasSuffix("(\(name))") == true, "\(text): \(message ?? "accepted")")
        }
        XCTAssertEqual(violation(ip6("4000::/16")), "'4000::/16' is outside global unicast space 2000::/3")
        XCTAssertEqual(violation(ip6("1::/16")), "'1::/16' is outside global unicast space 2000::/3")
        XCTAssertEqual(violation(ip6("2001:200::/23")), nil)
    }

    func testSpecialPurposeTableIsCanonical() {
        for entry in SpecialPurposeRanges.ipv4 {
            XCTAssertEqual(ip4(entry.text).description, entry.text)
        }
        XCTAssertEqual(SpecialPurposeRanges.ipv6.map(\.text), [
            "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
            "2001:db8::/32", "2002::/16", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "ff00::/8",
        ])
        XCTAssertEqual(SpecialPurposeRanges.ipv6GlobalUnicast.description, "2000::/3")
    }

    func testAllowEntries() throws {
        XCTAssertEqual(try ListGuards.parseAllowEntry("192.168.10.5"), .ipv4(ip4("192.168.10.5/32")))
        XCTAssertEqual(try ListGuards.parseAllowEntry("10.0.0.0/8"), .ipv4(ip4("10.0.0.0/8")))
        XCTAssertEqual(try ListGuards.parseAllowEntry("fd00::/8"), .ipv6(ip6("fd00::/8")))
        XCTAssertEqual(try ListGuards.parseAllowEntry("2001:db8::7"), .ipv6(ip6("2001:db8::7/128")))
        XCTAssertEqual(try ListGuards.parseAllowEntry("0.0.0.0/1"), .ipv4(ip4("0.0.0.0/1")))
        assertThrows(ListError.self, containing: "--allow: '0.0.0.0/0' would allow every IPv4 address") {
            try ListGuards.parseAllowEntry("0.0.0.0/0")
        }
        assertThrows(ListError.self, containing: "--allow: '::/0' would allow every IPv6 address") {
            try ListGuards.parseAllowEntry("::/0")
        }
        assertThrows(ListError.self, containing: "--allow: '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)") {
            try ListGuards.parseAllowEntry("10.0.0.1/8")
        }
        assertThrows(ListError.self, containing: "--allow: 'monitoring.example' is not an IPv4 or IPv6 CIDR") {
            try ListGuards.parseAllowEntry("monitoring.example")
        }
        assertThrows(ListError.self, containing: "--allow: '' is not") {
            try ListGuards.parseAllowEntry("")
        }
    }

    func testShrinkGuard() throws {
        let before = [ip4("104.16.0.0/12"), ip4("172.64.0.0/13")]   // 1M + 512K addresses
        try ListGuards.checkShrink(previous: [IPv4Prefix](), next: [ip4("1.0.0.0/24")], maxShrinkPercent: 30, source: "s")
        try ListGuards.checkShrink(previous: before, next: before + [ip4("1.0.0.0/24")], maxShrinkPercent: 0, source: "s")
        // The 2021 change: /12 -> /13 + /14 loses a quarter of the /12, 1/6 of the total.
        let after2021 = [ip4("104.16.0.0/13"), ip4("104.24.0.0/14"), ip4("172.64.0.0/13")]
        try ListGuards.checkShrink(previous: before, next: after2021, maxShrinkPercent: 30, source: "s")
        assertThrows(ListError.self, containing: "s: IPv4 coverage would shrink by 16.7% (2 -> 3 prefixes)", "more than --max-shrink-percent 10%") {
            try ListGuards.checkShrink(previous: before, next: after2021, maxShrinkPercent: 10, source: "s")
        }
        assertThrows(ListError.self, containing: "shrink by 66.7%") {
            try ListGuards.checkShrink(previous: before, next: [ip4("172.64.0.0/13")], maxShrinkPercent: 30, source: "s")
        }
        assertThrows(ListError.self, containing: "IPv6 coverage would shrink by 100%") {
            try ListGuards.checkShrink(previous: [ip6("2400:cb00::/32")], next: [], maxShrinkPercent: 30, source: "s")
        }
        // Duplicates do not inflate coverage.
        try ListGuards.checkShrink(previous: before + before, next: before, maxShrinkPercent: 0, source: "s")
        // Exactly at the limit is allowed.
        try ListGuards.checkShrink(previous: [ip4("104.16.0.0/12")], next: [ip4("104.16.0.0/13")], maxShrinkPercent: 50, source: "s")
    }

    /// A changed source is no way around the guard, and the message says what the list was
    /// compared with.
    func testShrinkAgainstTheListOfAnotherSourceNamesIt() {
        assertThrows(ListError.self, containing:
                     "https://new/v4: IPv4 coverage would shrink by 50% (1 -> 1 prefixes) against the last accepted IPv4 list, "
                     + "from https://old/v4, more than --max-shrink-percent 30%; use --force") {
            try ListGuards.checkShrink(previous: [ip4("104.16.0.0/12")], next: [ip4("104.16.0.0/13")], maxShrinkPercent: 30,
                                       source: "https://new/v4", previousSource: "https://old/v4")
        }
        assertThrows(ListError.self, containing: "s: IPv4 coverage would shrink by 50% (1 -> 1 prefixes), more than") {
            try ListGuards.checkShrink(previous: [ip4("104.16.0.0/12")], next: [ip4("104.16.0.0/13")], maxShrinkPercent: 30,
                                       source: "s", previousSource: "s")
        }
    }
}
