import CFSyncCore
import CFSyncTestSupport
import XCTest

final class UfwRulesFileTests: XCTestCase {
    func file(_ text: String) throws -> UfwRulesFile { try UfwRulesFile(parsing: text, name: "user.rules") }

    func testRoundTripsUfwsOwnFilesByteForByte() throws {
        for text in [UfwFixtures.userRules, UfwFixtures.user6Rules, UfwFixtures.packageRules] {
            XCTAssertEqual(try file(text).text, text)
        }
    }

    func testFindsEveryRuleAndTellsCFSyncsApart() throws {
        let v4 = try file(UfwFixtures.userRules)
        XCTAssertEqual(v4.blocks.count, 9)
        XCTAssertEqual(v4.own.map(\.rule.src), ["104.16.0.0/12", "173.245.48.0/20", "0.0.0.0/0"])
        XCTAssertEqual(v4.own.map(\.rule.comment), ["cfsync", "cfsync", "cfsync lockdown"])
        XCTAssertEqual(v4.others.map(\.rule.dport), ["22", "8080", "53", "80,443", "9000", "443"])
        // Interface rule: two iptables lines, direction in_eth0; app rule: 9 fields.
        let iface = v4.blocks[2]
        XCTAssertEqual(iface.lines.count, 3)
        XCTAssertEqual(iface.rule.direction, "in_eth0")
        XCTAssertEqual(v4.blocks[3].rule.fields.count, 9)
        XCTAssertEqual(v4.blocks[3].rule.direction, "in")
        XCTAssertTrue(v4.ownAreContiguous)

        let v6 = try file(UfwFixtures.user6Rules)
        XCTAssertEqual(v6.own.map(\.rule.src), ["::/0", "2606:4700::/32"])
        XCTAssertEqual(v6.others.count, 4)
    }

    func testRejectsAFileWithoutARulesSection() {
        XCTAssertThrowsError(try UfwRulesFile(parsing: "*filter\nCOMMIT\n", name: "/etc/ufw/user.rules")) { error in
            XCTAssertEqual("\(error)", "/etc/ufw/user.rules: no \"### RULES ###\" line; not a ufw rules file")
        }
    }

    func testNoticesOtherRulesBetweenCFSyncs() throws {
        var lines = UfwFixtures.userRules.components(separatedBy: "\n")
        let at = try XCTUnwrap(lines.firstIndex { $0.contains("173.245.48.0/20 in") })
        lines.insert(contentsOf: ["### tuple ### allow tcp 25 0.0.0.0/0 any 0.0.0.0/0 in", "-A ufw-user-input -p tcp --dport 25 -j ACCEPT", ""], at: at)
        XCTAssertFalse(try file(lines.joined(separator: "\n")).ownAreContiguous)
    }

    /// Removing cfsync's rules leaves every other line, in order, untouched.
    func testReplacingOwnWithNothingKeepsEveryOtherByte() throws {
        let v4 = try file(UfwFixtures.userRules)
        let stripped = v4.replacingOwn(with: [])
        XCTAssertEqual(stripped.own, [])
        XCTAssertEqual(stripped.others, v4.others)
        let expected = UfwFixtures.userRules.components(separatedBy: "\n\n").filter { !$0.contains("comment=636673796e63") }
        XCTAssertEqual(stripped.text, expected.joined(separator: "\n\n"))
    }

    /// Without cfsync rules, new ones go after the last rule; with, where the first one was.
    func testPlacement() throws {
        let policy = Policy(mode: .lockdown, ports: [443], families: [.ipv4])
        let blocks = UfwRenderer.blocks(policy, AddressLists(ipv4: v4("104.16.0.0/12")), .ipv4)
        let bare = try file(UfwFixtures.userRules).replacingOwn(with: [])
        let appended = bare.replacingOwn(with: blocks)
        XCTAssertEqual(appended.blocks.map(\.rule.isCFSync), [false, false, false, false, false, false, true, true])
        let inPlace = try file(UfwFixtures.userRules).replacingOwn(with: blocks)
        XCTAssertEqual(inPlace.blocks.map(\.rule.isCFSync), [false, false, false, false, true, true, false, false])
        XCTAssertEqual(try file(inPlace.text), inPlace)
    }

    /// The file the Debian package ships has no END RULES line until ufw rewrites it.
    func testPackageTemplateAcceptsRules() throws {
        let policy = Policy(mode: .allow, ports: [443], families: [.ipv4])
        let edited = try file(UfwFixtures.packageRules).replacingOwn(with: UfwRenderer.blocks(policy, AddressLists(ipv4: v4("104.16.0.0/12")), .ipv4))
        assertGolden(edited.text, named: "ufw-package-template.rules")
        XCTAssertEqual(edited.replacingOwn(with: []).others, [])
    }

    func testTupleParsing() {
        XCTAssertNil(UfwRule(tupleLine: "-A ufw-user-input -j ACCEPT"))
        XCTAssertNil(UfwRule(tupleLine: "### tuple ### allow tcp 22"), "ufw skips tuples with fewer than 6 fields")
        XCTAssertNil(UfwRule(tupleLine: "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=zz"), "bad hex")
        let rule = UfwRule(tupleLine: "### tuple ### deny tcp 80,443 ::/0 any ::/0 in comment=636673796e63206c6f636b646f776e")
        XCTAssertEqual(rule?.comment, "cfsync lockdown")
        XCTAssertEqual(rule?.isCFSync, true)
        XCTAssertEqual(rule?.tupleLine, "### tuple ### deny tcp 80,443 ::/0 any ::/0 in comment=636673796e63206c6f636b646f776e")
        XCTAssertEqual(UfwRule(tupleLine: "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=6366")?.isCFSync, false)
    }
}

extension UfwRulesFileTests {
    func testPackageTemplateRoundTripsAfterAnEdit() throws {
        let policy = Policy(mode: .allow, ports: [443], families: [.ipv4])
        let edited = try file(UfwFixtures.packageRules).replacingOwn(with: UfwRenderer.blocks(policy, AddressLists(ipv4: v4("104.16.0.0/12")), .ipv4))
        let reread = try file(edited.text)
        XCTAssertEqual(reread.own.count, 1)
        XCTAssertEqual(reread.own.first?.lines.count, 2, "the rate-limit lines stay outside cfsync's rule")
        XCTAssertEqual(reread.replacingOwn(with: []).text.components(separatedBy: "\n").filter { $0.hasPrefix("-A") },
                       UfwFixtures.packageRules.components(separatedBy: "\n").filter { $0.hasPrefix("-A") })
    }
}
