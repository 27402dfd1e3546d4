import CFSyncCore
import CFSyncTestSupport
import XCTest

final class UfwInstalledTests: XCTestCase {
    let both = Policy(mode: .lockdown, ports: [443, 80], families: [.ipv4, .ipv6])

    func parse(_ v4: String, _ v6: String?) throws -> [Family: UfwRulesFile] {
        var files = [Family.ipv4: try UfwRulesFile(parsing: v4, name: "user.rules")]
        if let v6 { files[.ipv6] = try UfwRulesFile(parsing: v6, name: "user6.rules") }
        return files
    }

    func testReadsPrefixesOfBothFamiliesAndFlagsTheMisorderedIPv6Deny() throws {
        let state = UfwInstalled.state(policy: both, files: try parse(UfwFixtures.userRules, UfwFixtures.user6Rules))
        XCTAssertEqual(state.lists, AddressLists(ipv4: v4("104.16.0.0/12", "173.245.48.0/20"), ipv6: v6("2606:4700::/32")))
        // ufw appended the IPv6 allow after the deny in that fixture: cfsync must rebuild.
        XCTAssertEqual(state.structure, .differs(["user6.rules: cfsync's rules are not in the expected order or form"]))
    }

    func testMatchesWhatTheRendererWrites() throws {
        let lists = AddressLists(ipv4: v4("104.16.0.0/12"), ipv6: v6("2606:4700::/32"))
        var files = try parse(UfwFixtures.userRules, UfwFixtures.user6Rules)
        for family in Family.allCases {
            files[family] = files[family]?.replacingOwn(with: UfwRenderer.blocks(both, lists, family))
        }
        XCTAssertEqual(UfwInstalled.state(policy: both, files: files), InstalledState(structure: .matches, lists: lists))
        XCTAssertEqual(UfwInstalled.state(policy: both, files: files, extraDifferences: ["kernel"]).structure, .differs(["kernel"]))
        let allow = Policy(mode: .allow, ports: [443, 80], families: [.ipv4, .ipv6])
        XCTAssertEqual(UfwInstalled.state(policy: allow, files: files).structure,
                       .differs(["user.rules: a deny rule exists in allow mode", "user6.rules: a deny rule exists in allow mode"]))
        let port443 = Policy(mode: .lockdown, ports: [443], families: [.ipv4, .ipv6])
        XCTAssertEqual(UfwInstalled.state(policy: port443, files: files).structure,
                       .differs(["user.rules: cfsync's rules protect other ports than 443", "user6.rules: cfsync's rules protect other ports than 443"]))
        let v4only = Policy(mode: .lockdown, ports: [443, 80], families: [.ipv4])
        XCTAssertEqual(UfwInstalled.state(policy: v4only, files: files).structure,
                       .differs(["user6.rules: cfsync rules exist but IPv6 is not managed"]))
    }

    func testAbsentWithoutCFSyncRulesAndIPv6FileIgnoredWhenUfwHasNoIPv6() throws {
        var files = try parse(UfwFixtures.userRules, nil)
        files[.ipv4] = files[.ipv4]?.replacingOwn(with: [])
        XCTAssertEqual(UfwInstalled.state(policy: both, files: files), .absent)
    }

    func testMissingDenyIsDrift() throws {
        var files = try parse(UfwFixtures.userRules, nil)
        let lists = AddressLists(ipv4: v4("104.16.0.0/12"))
        let allowOnly = UfwRenderer.blocks(Policy(mode: .allow, ports: [80, 443], families: [.ipv4]), lists, .ipv4)
        files[.ipv4] = files[.ipv4]?.replacingOwn(with: allowOnly)
        let v4policy = Policy(mode: .lockdown, ports: [443, 80], families: [.ipv4])
        XCTAssertEqual(UfwInstalled.state(policy: v4policy, files: files),
                       InstalledState(structure: .differs(["user.rules: the lockdown deny is missing or duplicated"]), lists: lists))
    }
}
