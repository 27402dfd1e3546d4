import CFSyncCore
import CFSyncTestSupport
import Foundation
import XCTest

/// Output of firewall-cmd 1.3.3 itself (Tests/Fixtures/firewalld), captured from a firewalld
/// run in a network and mount namespace with cfsync's objects made by hand and, at runtime
/// only, `http`, `443/tcp` and a rich rule added to zone public.
enum FirewalldFixtures {
    static let dir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/firewalld")

    static func text(_ name: String) -> String {
        (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? "missing fixture \(name)"
    }
}

final class FirewalldParsingTests: XCTestCase {
    func testIpsetInfoIsReadAsFirewallCmdPrintsIt() throws {
        let v4 = FirewalldObjects.ipset(try FirewalldInfo.parse(FirewalldFixtures.text("info-ipset-v4.txt")))
        XCTAssertEqual(v4, FirewalldObjects.Ipset(type: "hash:net", family: "inet", entries: ["104.16.0.0/12", "173.245.48.0/20"]))
        let v6 = FirewalldObjects.ipset(try FirewalldInfo.parse(FirewalldFixtures.text("info-ipset-v6.txt")))
        XCTAssertEqual(v6.family, "inet6")
    }

    func testPolicyInfoAndItsRichRulesAreCfsyncsShapes() throws {
        let info = try FirewalldInfo.parse(FirewalldFixtures.text("info-policy.txt"))
        XCTAssertEqual(info.name, "cfsync")
        XCTAssertEqual(info.marks, ["active"])
        let policy = FirewalldObjects.policy(info)
        XCTAssertEqual(policy, FirewalldObjects.Policy(richRules: Set(info.richRules)))
        let rules = info.richRules.map { FirewalldRichRule(parsing: $0) }
        XCTAssertEqual(rules, [
            FirewalldRichRule(family: .ipv4, ipset: "cfsync-v4", port: 80, action: .accept),
            FirewalldRichRule(family: .ipv4, ipset: "cfsync-v4", port: 80, action: .drop),
            FirewalldRichRule(family: .ipv4, ipset: "cfsync-v4", port: 443, action: .drop),
        ])
        // Rendering gives back exactly what firewall-cmd printed: --remove-rich-rule finds it.
        XCTAssertEqual(rules.compactMap { $0?.text }, info.richRules)
    }

    func testOtherRichRulesAreNotCfsyncs() {
        for text in [#"rule family="ipv4" source address="192.0.2.0/24" port port="8443" protocol="tcp" accept"#,
                     #"rule family="ipv6" icmp-type name="redirect" accept"#,
                     #"rule family="ipv4" source ipset="cfsync-v4" port port="80" protocol="udp" accept"#,
                     #"rule family="ipv4" source NOT ipset="cfsync-v4" port port="80" protocol="tcp" accept"#,
                     #"rule family="ipv4" source ipset="cfsync-v4" port port="80" protocol="tcp" drop"#,
                     #"rule family=ipv4 source ipset=cfsync-v4 port port=80 protocol=tcp accept"#] {
            XCTAssertNil(FirewalldRichRule(parsing: text), text)
        }
    }

    func testTheSnapshotTextReadsBackToTheSameObjects() throws {
        let lists = AddressLists(ipv4: v4("104.16.0.0/13", "104.24.0.0/14"), ipv6: v6("2606:4700::/32"))
        let objects = FirewalldLayout(policy: Policy(mode: .lockdown, ports: [80, 443], families: [.ipv4, .ipv6]))
            .objects(lists, twins: [.ipv4: .b, .ipv6: .a])
        XCTAssertEqual(try FirewalldObjects(dump: objects.dump), objects)
        XCTAssertThrowsError(try FirewalldObjects(dump: "public\n  target: default\n"))
    }

    func testTheSnapshotOfAPolicyIsFirewallCmdsOwnText() throws {
        let info = try FirewalldInfo.parse(FirewalldFixtures.text("info-policy-permanent.txt"))
        let objects = FirewalldObjects(policy: FirewalldObjects.policy(info))
        XCTAssertEqual(objects.dump, FirewalldFixtures.text("info-policy-permanent.txt").replacingOccurrences(of: " (active)", with: ""))
    }

    func testAnUnknownLineIsAnError() {
        XCTAssertThrowsError(try FirewalldInfo.parseAll("\trule outside any object\n"))
        XCTAssertThrowsError(try FirewalldInfo.parse(FirewalldFixtures.text("list-all-zones.txt")))
    }

    func testRuntimeOnlyChangesOfTheAdminAreFoundInterfacesAside() throws {
        let policies = FirewalldFixtures.text("list-all-policies.txt")
        let drift = try FirewalldConfigDrift.differences(
            runtime: .init(zones: FirewalldFixtures.text("list-all-zones.txt"), policies: policies, ipsets: "cfsync-v4 cfsync-v6\n"),
            permanent: .init(zones: FirewalldFixtures.text("list-all-zones-permanent.txt"), policies: policies, ipsets: "cfsync-v4\n"))
        XCTAssertEqual(drift, ["zone public: runtime ports, services, rich rules differ from the permanent configuration"])
        XCTAssertEqual(try FirewalldConfigDrift.differences(
            runtime: .init(zones: FirewalldFixtures.text("list-all-zones-permanent.txt"), policies: policies, ipsets: "x\n"),
            permanent: .init(zones: FirewalldFixtures.text("list-all-zones-permanent.txt"), policies: "", ipsets: "")),
            ["policy allow-host-ipv6 exists only at runtime", "ipset x exists only at runtime"])
    }

    /// firewall-cmd sorts rich rules by priority only, and ports and sources not at all: the
    /// same configuration is printed in another order after a daemon start.
    func testTheSameRulesAndPortsInAnotherOrderAreNoDrift() throws {
        func zone(_ ports: String, _ rules: [String]) -> String {
            "public\n  target: default\n  interfaces: \n  sources: \n  services: ssh\n  ports: \(ports)\n  rich rules: \n"
                + rules.map { "\t\($0)\n" }.joined()
        }
        let a = "rule family=\"ipv4\" source address=\"198.51.100.0/24\" service name=\"http\" accept"
        let b = "rule source ipset=\"admin-blocklist\" drop"
        XCTAssertEqual(try FirewalldConfigDrift.differences(
            runtime: .init(zones: zone("8080/tcp 9090/tcp", [a, b]), policies: "", ipsets: ""),
            permanent: .init(zones: zone("9090/tcp 8080/tcp", [b, a]), policies: "", ipsets: "")), [])
    }

    func testZonesThatOpenAProtectedPortAreNamedWithHow() throws {
        let zones = try FirewalldInfo.parseAll(FirewalldFixtures.text("list-all-zones.txt"))
        XCTAssertEqual(zones.count, 9)
        let services = ["http": try FirewalldInfo.parse(FirewalldFixtures.text("info-service-http.txt")).words("ports"),
                        "https": try FirewalldInfo.parse(FirewalldFixtures.text("info-service-https.txt")).words("ports"),
                        "ssh": ["22/tcp"]]
        let policy = Policy(mode: .allow, ports: [80, 443], families: [.ipv4, .ipv6])
        let open = FirewalldFindings.openingZones(zones, defaultZone: "public", servicePorts: services, policy: policy)
        XCTAssertEqual(open.map(\.zone), ["public"])
        XCTAssertEqual(open.first?.ports, [80, 443])
        XCTAssertEqual(open.first?.how, "port 443/tcp, service http")
        XCTAssertEqual(FirewalldFindings.findings(open, mode: .allow).map(\.status), [.warning])
        XCTAssertEqual(FirewalldFindings.findings(open, mode: .lockdown).map(\.status), [.ok])
        XCTAssertEqual(FirewalldFindings.findings([], mode: .allow).map(\.status), [.ok])
    }

    /// Only the zones that take traffic from every source count: the default zone (it takes
    /// every interface no zone names) and zones bound to interfaces. A zone bound to sources
    /// opens the port to those sources only, and an unused zone to nobody.
    func testOnlyTheDefaultZoneAndZonesWithInterfacesOpenToEverySource() throws {
        func zone(_ name: String, interfaces: String = "", sources: String = "", target: String = "default") -> FirewalldInfo {
            FirewalldInfo(name: name, fields: ["target": target, "interfaces": interfaces, "sources": sources, "services": "https", "ports": ""])
        }
        let zones = [zone("public"), zone("office", sources: "203.0.113.0/24"), zone("dmz"), zone("internal", interfaces: "eth1"),
                     zone("trusted", sources: "192.0.2.0/24", target: "ACCEPT")]
        let policy = Policy(mode: .allow, ports: [443], families: [.ipv4])
        let open = FirewalldFindings.openingZones(zones, defaultZone: "public", servicePorts: ["https": ["443/tcp"]], policy: policy)
        XCTAssertEqual(open.map(\.zone), ["public", "internal"])
    }

    func testOnlyAnEarlierPolicyOpeningAPortMakesLockdownMoot() throws {
        var policies = try FirewalldInfo.parseAll(FirewalldFixtures.text("list-all-policies.txt"))
        let policy = Policy(mode: .lockdown, ports: [443], families: [.ipv4])
        // allow-host-ipv6 (priority -15000, ANY → HOST) accepts ICMPv6 only; cfsync's own is never counted.
        XCTAssertTrue(FirewalldFindings.openingPolicies(policies, servicePorts: [:], policy: policy).isEmpty)
        policies[0].fields["ports"] = "400-500/tcp"
        let open = FirewalldFindings.openingPolicies(policies, servicePorts: [:], policy: policy)
        XCTAssertEqual(open.map(\.zone), ["allow-host-ipv6"])
        XCTAssertEqual(open.map(\.priority), [-15000])
        XCTAssertEqual(FirewalldFindings.findings(policies: open, mode: .lockdown).map(\.status), [.warning])
        XCTAssertEqual(FirewalldFindings.findings(policies: open.map { ($0.zone, $0.ports, $0.how, 10) }, mode: .lockdown).map(\.status), [.ok])
        XCTAssertEqual(FirewalldFindings.findings(policies: open.map { ($0.zone, $0.ports, $0.how, 10) }, mode: .allow).map(\.status), [.warning])
    }
}

/// The twin choice and the order of a change, on the pure model.
final class FirewalldTransitionTests: XCTestCase {
    let policy = Policy(mode: .lockdown, ports: [443], families: [.ipv4])

    func testAChangedListMovesToTheIdleTwinAndAnUnchangedOneStays() {
        let layout = FirewalldLayout(policy: policy)
        let installed = layout.objects(AddressLists(ipv4: v4("104.16.0.0/12")), twins: [:])
        XCTAssertEqual(layout.target(AddressLists(ipv4: v4("104.16.0.0/12")), over: installed), installed)
        let moved = layout.target(AddressLists(ipv4: v4("104.16.0.0/13", "104.24.0.0/14")), over: installed)
        XCTAssertEqual(moved.activeTwin(.ipv4), .b)
        XCTAssertEqual(moved.ipsets["cfsync-v4"]?.entries, [])
    }

    func testStepsFillTheTwinThenSwitchRulesThenEmptyTheOldSet() {
        let layout = FirewalldLayout(policy: policy)
        let installed = layout.objects(AddressLists(ipv4: v4("104.16.0.0/12")), twins: [:])
        let target = layout.target(AddressLists(ipv4: v4("104.16.0.0/13", "104.24.0.0/14")), over: installed)
        let transition = FirewalldTransition(from: FirewalldState(runtime: installed, permanent: installed), to: target)
        let accept = #"rule family="ipv4" source ipset="cfsync-v4-b" port port="443" protocol="tcp" accept"#
        let drop = #"rule family="ipv4" source NOT ipset="cfsync-v4-b" port port="443" protocol="tcp" drop"#
        let oldAccept = #"rule family="ipv4" source ipset="cfsync-v4" port port="443" protocol="tcp" accept"#
        let oldDrop = #"rule family="ipv4" source NOT ipset="cfsync-v4" port port="443" protocol="tcp" drop"#
        XCTAssertEqual(transition.runtime, .inStep([[
            .init(["firewall-cmd", "--ipset=cfsync-v4-b", "--add-entries-from-file=/dev/stdin"], stdin: "104.16.0.0/13\n104.24.0.0/14\n"),
            .init(["firewall-cmd", "--policy=cfsync", "--add-rich-rule=\(accept)", "--add-rich-rule=\(drop)"]),
            .init(["firewall-cmd", "--policy=cfsync", "--remove-rich-rule=\(oldDrop)", "--remove-rich-rule=\(oldAccept)"]),
            .init(["firewall-cmd", "--ipset=cfsync-v4", "--remove-entries-from-file=/dev/stdin"], stdin: "104.16.0.0/12\n"),
        ]]))
        XCTAssertEqual(transition.permanent.count, 4)
        XCTAssertTrue(transition.permanent.allSatisfy { $0.argv.starts(with: ["firewall-cmd", "--permanent"]) })
    }

    func testSettingsSomeoneAddedToCfsyncsPolicyAreTakenOutAgain() {
        let target = FirewalldLayout(policy: policy).objects(AddressLists(ipv4: v4("104.16.0.0/12")), twins: [:])
        var edited = target
        edited.policy?.other = ["services": "http https", "masquerade": "yes"]
        edited.policy?.priority = "0"
        let transition = FirewalldTransition(from: FirewalldState(runtime: edited, permanent: target), to: target)
        XCTAssertEqual(transition.runtime, .inStep([[
            .init(["firewall-cmd", "--policy=cfsync", "--set-priority=-100"]),
            .init(["firewall-cmd", "--policy=cfsync", "--remove-masquerade"]),
            .init(["firewall-cmd", "--policy=cfsync", "--remove-service=http"]),
            .init(["firewall-cmd", "--policy=cfsync", "--remove-service=https"]),
        ]]))
        XCTAssertEqual(transition.permanent, [])
        XCTAssertEqual(FirewalldState(runtime: edited, permanent: target).installed(policy).structure, .differs([
            "runtime: policy cfsync is not priority -100, target CONTINUE, ANY → HOST and nothing else",
        ]))
    }

    func testAFirstInstallNeedsAReloadAndARemovalPrefersOne() {
        let layout = FirewalldLayout(policy: policy)
        let target = layout.objects(AddressLists(ipv4: v4("104.16.0.0/12")), twins: [:])
        let install = FirewalldTransition(from: FirewalldState(runtime: .init(), permanent: .init()), to: target)
        XCTAssertEqual(install.runtime, .reload)
        XCTAssertEqual(install.permanent.first?.argv, ["firewall-cmd", "--permanent", "--new-ipset=cfsync-v4", "--type=hash:net", "--option=family=inet"])
        let remove = FirewalldTransition(from: FirewalldState(runtime: target, permanent: target), to: .init())
        guard case .reloadOrInert(let inert) = remove.runtime else { return XCTFail("\(remove.runtime)") }
        let accept = #"rule family="ipv4" source ipset="cfsync-v4" port port="443" protocol="tcp" accept"#
        let drop = #"rule family="ipv4" source NOT ipset="cfsync-v4" port port="443" protocol="tcp" drop"#
        XCTAssertEqual(inert, [
            .init(["firewall-cmd", "--policy=cfsync", "--remove-rich-rule=\(drop)", "--remove-rich-rule=\(accept)"]),
            .init(["firewall-cmd", "--ipset=cfsync-v4", "--remove-entries-from-file=/dev/stdin"], stdin: "104.16.0.0/12\n"),
        ])
        XCTAssertEqual(remove.permanent.map(\.argv), [["firewall-cmd", "--permanent", "--delete-policy=cfsync"]]
            + ["cfsync-v4", "cfsync-v4-b", "cfsync-v6", "cfsync-v6-b"].map { ["firewall-cmd", "--permanent", "--delete-ipset=\($0)"] })
    }
}
