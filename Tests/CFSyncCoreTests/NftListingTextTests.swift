import CFSyncCore
import CFSyncTestSupport
import XCTest

final class NftListingTextTests: XCTestCase {
    let both = Policy(mode: .lockdown, ports: [443, 80], families: [.ipv6, .ipv4])

    /// Captured from `nft list table inet cfsync` (nft 1.0.6) after adding a bare address and a
    /// range by hand: the same table as the JSON fixture in NftSetElementsTests, as text.
    let listing = """
        table inet cfsync {
        \tset allow_v4 {
        \t\ttype ipv4_addr
        \t\tflags interval
        \t\telements = { 1.2.3.4, 5.6.7.0-5.6.9.255,
        \t\t\t     103.21.244.0/22, 104.16.0.0/13,
        \t\t\t     198.41.128.0/17 }
        \t}

        \tset allow_v6 {
        \t\ttype ipv6_addr
        \t\tflags interval
        \t\telements = { 2400:cb00::/32,
        \t\t\t     2606:4700::/32 }
        \t}

        \tchain input {
        \t\ttype filter hook input priority filter - 10; policy accept;
        \t\tiifname "lo" accept
        \t\ttcp dport { 80, 443 } ip saddr @allow_v4 accept
        \t\ttcp dport { 80, 443 } ip6 saddr @allow_v6 accept
        \t\tmeta nfproto ipv4 tcp dport { 80, 443 } drop
        \t\tmeta nfproto ipv6 tcp dport { 80, 443 } drop
        \t}
        }

        """

    func testOneTextListingGivesTheTerseStructureAndTheElements() throws {
        let parsed = try XCTUnwrap(NftListingText.parse(listing))
        XCTAssertEqual(parsed.terse, NftLayout(policy: both).terseListing)
        XCTAssertEqual(parsed.lists.ipv4, v4("1.2.3.4/32", "5.6.7.0/24", "5.6.8.0/23", "103.21.244.0/22", "104.16.0.0/13", "198.41.128.0/17"))
        XCTAssertEqual(parsed.lists.ipv6, v6("2400:cb00::/32", "2606:4700::/32"))
    }

    func testEmptySetsAndOneLineBlocks() throws {
        let terse = NftLayout(policy: both).terseListing
        XCTAssertEqual(NftListingText.parse(terse), NftListingText.Parsed(terse: terse, lists: .empty))
        let oneLine = terse.replacingOccurrences(of: "\t\tflags interval\n\t}\n\n\tset allow_v6", with: "\t\tflags interval\n\t\telements = { 104.16.0.0/13 }\n\t}\n\n\tset allow_v6")
        XCTAssertEqual(NftListingText.parse(oneLine), NftListingText.Parsed(terse: terse, lists: AddressLists(ipv4: v4("104.16.0.0/13"))))
    }

    /// Anything but addresses, prefixes and ranges is left to the JSON reader.
    func testElementsWithExtrasAreNotReadFromText() {
        for element in [#"1.2.3.4 comment "x""#, "1.2.3.4 timeout 1h", "1.2.3.4/33", "5.6.9.255-5.6.7.0", "2606:4700::/32"] {
            let text = listing.replacingOccurrences(of: "198.41.128.0/17 }", with: "\(element) }")
            XCTAssertNil(NftListingText.parse(text), element)
        }
    }
}
