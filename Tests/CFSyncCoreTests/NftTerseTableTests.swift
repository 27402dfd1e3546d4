import CFSyncCore
import CFSyncTestSupport
import XCTest

final class NftTerseTableTests: XCTestCase {
    let both = Policy(mode: .lockdown, ports: [80, 443], families: [.ipv4, .ipv6])
    let forwardV4 = Policy(mode: .allow, ports: [443, 8443], families: [.ipv4], forward: true)

    /// Another inet table before cfsync's (and one whose name only starts with "cfsync"), and
    /// one after, as `nft -t list ruleset inet` prints them.
    func ruleset(around table: String) -> String {
        """
        table inet filter {
        \tset blocked {
        \t\ttype ipv4_addr
        \t\tflags interval
        \t}

        \tchain input {
        \t\ttype filter hook input priority filter; policy accept;
        \t\tip saddr @blocked drop
        \t}
        }
        table inet cfsync_old {
        \tchain input {
        \t\ttype filter hook input priority filter - 10; policy accept;
        \t}
        }

        """ + table + """
        table inet zz_after {
        \tchain forward {
        \t\ttype filter hook forward priority filter; policy accept;
        \t}
        }

        """
    }

    let chainsOnly = """
        table inet cfsync {
        \tchain input {
        \t\ttype filter hook input priority filter - 10; policy accept;
        \t\tiifname "lo" accept
        \t}
        }

        """

    // MARK: Extraction

    func testExtractsTheCfsyncTableBetweenOthers() throws {
        for policy in [both, forwardV4] {
            let layout = NftLayout(policy: policy)
            let table = try XCTUnwrap(NftTerseTable(ruleset: ruleset(around: layout.terseListing)))
            XCTAssertEqual(table.text, layout.terseListing)
            XCTAssertTrue(table.text.hasSuffix("}\n"))
            XCTAssertTrue(table.text.hasPrefix("table inet cfsync {\n"))
        }
    }

    func testExtractsWhenTheTableIsAlone() throws {
        let layout = NftLayout(policy: both)
        XCTAssertEqual(NftTerseTable(ruleset: layout.terseListing)?.text, layout.terseListing)
        // Without the final newline too: the text still ends with one.
        XCTAssertEqual(NftTerseTable(ruleset: String(layout.terseListing.dropLast()))?.text, layout.terseListing)
    }

    func testNilWhenAbsent() {
        XCTAssertNil(NftTerseTable(ruleset: ""))
        XCTAssertNil(NftTerseTable(ruleset: ruleset(around: "")))
        // Unterminated: no closing brace at column 0.
        XCTAssertNil(NftTerseTable(ruleset: String(NftLayout(policy: both).terseListing.dropLast(2))))
    }

    // MARK: interpretableSets

    func testInterpretableSetsOfTheLayoutsOwnTable() throws {
        let table = try XCTUnwrap(NftTerseTable(ruleset: NftLayout(policy: both).terseListing))
        XCTAssertEqual(table.interpretableSets, [.ipv4, .ipv6])
        let v4Only = try XCTUnwrap(NftTerseTable(ruleset: NftLayout(policy: forwardV4).terseListing))
        XCTAssertEqual(v4Only.interpretableSets, [.ipv4])
        let v6Only = Policy(mode: .allow, ports: [443], families: [.ipv6])
        XCTAssertEqual(NftTerseTable(ruleset: NftLayout(policy: v6Only).terseListing)?.interpretableSets, [.ipv6])
    }

    func testChainsOnlyTableHasNoSetsToRead() throws {
        let table = try XCTUnwrap(NftTerseTable(ruleset: chainsOnly))
        XCTAssertEqual(table.interpretableSets, [])
    }

    /// A set cfsync did not declare, as `nft -t` prints it inside the table.
    let otherSet = """
        \tset other {
        \t\ttype ipv4_addr
        \t\tflags interval
        \t}


        """

    /// The layout's text with `extra` inserted before the input chain.
    func withExtra(_ extra: String) -> String {
        NftLayout(policy: both).terseListing.replacingOccurrences(of: "\tchain input {", with: extra + "\tchain input {")
    }

    func testAnotherSetIsNotInterpretable() throws {
        let text = withExtra(otherSet)
        let table = try XCTUnwrap(NftTerseTable(ruleset: text))
        XCTAssertNil(table.interpretableSets)
    }

    func testOwnSetDeclaredDifferentlyIsNotInterpretable() throws {
        let base = NftLayout(policy: both).terseListing
        let timeout = base.replacingOccurrences(
            of: "\t\ttype ipv4_addr\n\t\tflags interval\n",
            with: "\t\ttype ipv4_addr\n\t\tflags interval,timeout\n"
        )
        let autoMerge = base.replacingOccurrences(
            of: "\t\ttype ipv6_addr\n\t\tflags interval\n",
            with: "\t\ttype ipv6_addr\n\t\tflags interval\n\t\tauto-merge\n"
        )
        let noFlags = base.replacingOccurrences(of: "\t\ttype ipv4_addr\n\t\tflags interval\n", with: "\t\ttype ipv4_addr\n")
        let wrongType = base.replacingOccurrences(of: "\t\ttype ipv4_addr\n", with: "\t\ttype ipv6_addr\n")
        for text in [timeout, autoMerge, noFlags, wrongType] {
            XCTAssertNotEqual(text, base)
            let table = try XCTUnwrap(NftTerseTable(ruleset: text))
            XCTAssertNil(table.interpretableSets, text)
        }
    }

    func testMapIsNotInterpretable() throws {
        let text = withExtra("""
            \tmap ports {
            \t\ttype inet_service : verdict
            \t}


            """)
        let table = try XCTUnwrap(NftTerseTable(ruleset: text))
        XCTAssertNil(table.interpretableSets)
    }

    func testCounterIsNotInterpretable() throws {
        let text = withExtra("""
            \tcounter hits {
            \t\tpackets 0 bytes 0
            \t}


            """)
        let table = try XCTUnwrap(NftTerseTable(ruleset: text))
        XCTAssertNil(table.interpretableSets)
        // In a chains-only table as well.
        let chains = chainsOnly.replacingOccurrences(of: "\tchain input {", with: "\tcounter hits {\n\t}\n\n\tchain input {")
        XCTAssertNil(try XCTUnwrap(NftTerseTable(ruleset: chains)).interpretableSets)
    }

    // MARK: listing(with:)

    func testListingInsertsElementsIntoNonEmptySetsOnly() throws {
        let table = try XCTUnwrap(NftTerseTable(ruleset: ruleset(around: NftLayout(policy: both).terseListing)))
        let lists = AddressLists(ipv4: v4("1.2.3.0/24", "104.16.0.0/12"), ipv6: [])
        let expected = """
            table inet cfsync {
            \tset allow_v4 {
            \t\ttype ipv4_addr
            \t\tflags interval
            \t\telements = { 1.2.3.0/24, 104.16.0.0/12 }
            \t}

            \tset allow_v6 {
            \t\ttype ipv6_addr
            \t\tflags interval
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
        XCTAssertEqual(table.listing(with: lists), expected)
    }

    func testListingFillsBothSetsAndLeavesChainsAlone() throws {
        let layout = NftLayout(policy: both)
        let table = try XCTUnwrap(NftTerseTable(ruleset: layout.terseListing))
        let lists = AddressLists(ipv4: v4("173.245.48.0/20"), ipv6: v6("2400:cb00::/32", "2606:4700::/32"))
        let listing = table.listing(with: lists)
        XCTAssertEqual(
            listing,
            layout.terseListing
                .replacingOccurrences(
                    of: "\t\ttype ipv4_addr\n\t\tflags interval\n",
                    with: "\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 173.245.48.0/20 }\n"
                )
                .replacingOccurrences(
                    of: "\t\ttype ipv6_addr\n\t\tflags interval\n",
                    with: "\t\ttype ipv6_addr\n\t\tflags interval\n\t\telements = { 2400:cb00::/32, 2606:4700::/32 }\n"
                )
        )
        // The chains' lines come through unchanged.
        let chainPart = try XCTUnwrap(listing.range(of: "\tchain input {"))
        let layoutChainPart = try XCTUnwrap(layout.terseListing.range(of: "\tchain input {"))
        XCTAssertEqual(listing[chainPart.lowerBound...], layout.terseListing[layoutChainPart.lowerBound...])
        // And the text reads back as a full listing.
        let parsed = try XCTUnwrap(NftListingText.parse(listing))
        XCTAssertEqual(parsed.terse, layout.terseListing)
        XCTAssertEqual(parsed.lists, lists)
    }

    func testListingWithEmptyListsIsTheTerseText() throws {
        let layout = NftLayout(policy: forwardV4)
        let table = try XCTUnwrap(NftTerseTable(ruleset: layout.terseListing))
        XCTAssertEqual(table.listing(with: .empty), layout.terseListing)
        // A list for a family the table has no set for is not written anywhere.
        XCTAssertEqual(table.listing(with: AddressLists(ipv6: v6("2606:4700::/32"))), layout.terseListing)
        let chains = try XCTUnwrap(NftTerseTable(ruleset: chainsOnly))
        XCTAssertEqual(chains.listing(with: AddressLists(ipv4: v4("1.2.3.0/24"))), chainsOnly)
    }

    func testListingLeavesOtherSetsEmpty() throws {
        let text = withExtra(otherSet)
        let table = try XCTUnwrap(NftTerseTable(ruleset: text))
        let listing = table.listing(with: AddressLists(ipv4: v4("1.2.3.0/24")))
        XCTAssertEqual(listing.components(separatedBy: "elements = {").count - 1, 1)
        XCTAssertTrue(listing.contains("\tset allow_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 1.2.3.0/24 }\n\t}\n"))
        XCTAssertTrue(listing.contains("\tset other {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t}\n"))
    }
}
