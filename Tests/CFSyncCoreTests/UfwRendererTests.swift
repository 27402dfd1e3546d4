import CFSyncCore
import CFSyncTestSupport
import XCTest

final class UfwRendererTests: XCTestCase {
    let both = Policy(mode: .lockdown, ports: [443, 80], families: [.ipv6, .ipv4])
    let lists = AddressLists(ipv4: v4("104.16.0.0/12", "173.245.48.0/20"), ipv6: v6("2606:4700::/32"))

    func files() throws -> [Family: UfwRulesFile] {
        [.ipv4: try UfwRulesFile(parsing: UfwFixtures.userRules, name: "user.rules"),
         .ipv6: try UfwRulesFile(parsing: UfwFixtures.user6Rules, name: "user6.rules")]
    }

    /// cfsync writes byte for byte what `ufw allow … comment cfsync` writes.
    func testEntriesAreExactlyWhatUfwWrites() throws {
        let written = try XCTUnwrap(files()[.ipv4]).own
        XCTAssertEqual(UfwRenderer.blocks(both, AddressLists(ipv4: v4("104.16.0.0/12", "173.245.48.0/20")), .ipv4), written)
        let v6written = try XCTUnwrap(files()[.ipv6]).own.filter { $0.rule.action == "allow" }
        XCTAssertEqual(UfwRenderer.blocks(Policy(mode: .allow, ports: [80, 443], families: [.ipv6]), lists, .ipv6), v6written)
    }

    func testCreateOnUfwsFreshFiles() throws {
        let empty = try UfwRulesFile(parsing: UfwFixtures.userRules, name: "user.rules").replacingOwn(with: [])
        let plan = SyncPlan(policy: both, desired: lists, installed: .absent)
        assertGolden(UfwRenderer.edit(empty, plan, .ipv4).text, named: "ufw-create-lockdown.rules")
        let empty6 = try UfwRulesFile(parsing: UfwFixtures.user6Rules, name: "user6.rules").replacingOwn(with: [])
        assertGolden(UfwRenderer.edit(empty6, plan, .ipv6).text, named: "ufw-create-lockdown.rules6")
        assertGolden(UfwRenderer.script(for: plan), named: "ufw-create-lockdown.script")
    }

    /// The 2021 change: the /12 rule goes, two new rules take its place, nothing else moves.
    func testSplitReplacesExactlyTheOldRule() throws {
        let old = try UfwRulesFile(parsing: UfwFixtures.userRules, name: "user.rules")
        let installed = InstalledState(structure: .matches, lists: AddressLists(ipv4: v4("104.16.0.0/12", "173.245.48.0/20"), ipv6: lists.ipv6))
        var new = lists
        new.ipv4 = v4("104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20")
        let plan = SyncPlan(policy: both, desired: new, installed: installed)
        let edited = UfwRenderer.edit(old, plan, .ipv4)
        XCTAssertEqual(edited.others, old.others)
        assertGolden(edited.text, named: "ufw-split.rules")
        XCTAssertEqual(UfwRenderer.script(for: plan), """
            # user.rules (chain ufw-user-input)
            - ### tuple ### allow tcp 80,443 0.0.0.0/0 any 104.16.0.0/12 in comment=636673796e63
            + ### tuple ### allow tcp 80,443 0.0.0.0/0 any 104.16.0.0/13 in comment=636673796e63
            + ### tuple ### allow tcp 80,443 0.0.0.0/0 any 104.24.0.0/14 in comment=636673796e63
            # then load each changed file with iptables-restore -n, ip6tables-restore -n (one atomic step each; no ufw reload)

            """)
    }

    func testAllowModeHasNoDenyAndManyPortsAreSplitInGroupsOfFifteen() {
        let ports = (1...20).map { UInt16(8000 + $0) }
        let policy = Policy(mode: .allow, ports: ports, families: [.ipv4])
        let rules = UfwLayout.rules(policy, AddressLists(ipv4: v4("104.16.0.0/12")), .ipv4)
        XCTAssertEqual(rules.map(\.dport), [ports[0..<15], ports[15...]].map { $0.map(String.init).joined(separator: ",") })
        XCTAssertEqual(rules.map(\.action), ["allow", "allow"])
        assertGolden(UfwRenderer.blocks(policy, AddressLists(ipv4: v4("104.16.0.0/12")), .ipv4).flatMap(\.lines).joined(separator: "\n") + "\n",
                     named: "ufw-allow-20-ports.rules")
        XCTAssertEqual(UfwLayout.rules(policy, AddressLists(ipv6: v6("2606:4700::/32")), .ipv6), [], "IPv6 not managed")
    }
}
