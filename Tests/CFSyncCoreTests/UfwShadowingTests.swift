import CFSyncCore
import CFSyncTestSupport
import XCTest

final class UfwShadowingTests: XCTestCase {
    let lists = AddressLists(ipv4: v4("104.16.0.0/12", "173.245.48.0/20"), ipv6: v6("2606:4700::/32"))

    func files() throws -> [Family: UfwRulesFile] {
        [.ipv4: try UfwRulesFile(parsing: UfwFixtures.userRules, name: "user.rules"),
         .ipv6: try UfwRulesFile(parsing: UfwFixtures.user6Rules, name: "user6.rules")]
    }

    /// "WWW Full" (80,443 from anywhere) sits before cfsync's deny in both files;
    /// 8080 and 9000 are not protected; 203.0.113.0/24 on 443 comes after the deny.
    func testLockdownFindsEarlierBroaderAllows() throws {
        let policy = Policy(mode: .lockdown, ports: [80, 443], families: [.ipv4, .ipv6])
        XCTAssertEqual(UfwShadowing.findings(files: try files(), policy: policy, allowlist: lists), [
            "ufw rule 4 (allow tcp port 80,443 from anywhere) accepts IPv4 sources outside cfsync's list on tcp 80,443 before cfsync's deny: lockdown is moot for them",
            "ufw rule 12 (allow tcp port 80,443 from anywhere) accepts IPv6 sources outside cfsync's list on tcp 80,443 before cfsync's deny: lockdown is moot for them",
        ])
    }

    func testAllowModeLooksEverywhereAndCoveredSourcesAreFine() throws {
        let policy = Policy(mode: .allow, ports: [443], families: [.ipv4])
        var allowlist = lists
        allowlist.ipv4.append(contentsOf: v4("203.0.0.0/8"))
        XCTAssertEqual(UfwShadowing.findings(files: try files(), policy: policy, allowlist: allowlist), [
            "ufw rule 4 (allow tcp port 80,443 from anywhere) accepts IPv4 sources outside cfsync's list on tcp 443 anyway: the allowlist is moot for them",
        ])
        XCTAssertEqual(UfwShadowing.findings(files: try files(), policy: policy, allowlist: lists).count, 2)
    }

    func testPortSpecs() {
        let rule = { (dport: String, proto: String, action: String) in
            UfwRule(fields: [action, proto, dport, "0.0.0.0/0", "any", "0.0.0.0/0", "in"], comment: "")
        }
        let policy = Policy(mode: .lockdown, ports: [443], families: [.ipv4])
        let cases: [(String, String, String, Bool)] = [
            ("any", "any", "allow", true), ("400:500", "tcp", "allow", true), ("80,8443", "tcp", "allow", false),
            ("443", "udp", "allow", false), ("443", "tcp", "deny", false), ("443", "tcp", "limit", true),
            ("443", "tcp", "allow_log", true),
        ]
        for (dport, proto, action, expected) in cases {
            let text = "### RULES ###\n\n\(rule(dport, proto, action).tupleLine)\n\n### END RULES ###\n"
            let file = try! UfwRulesFile(parsing: text, name: "x")
            XCTAssertEqual(!UfwShadowing.findings(files: [.ipv4: file], policy: policy, allowlist: lists).isEmpty, expected,
                           "\(action) \(proto) \(dport)")
        }
    }
}
