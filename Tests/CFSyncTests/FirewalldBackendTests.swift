import CFSyncCore
import CFSyncTestSupport
import Foundation
import XCTest

@testable import CFSync

/// FirewalldBackend end to end through the Syncer, against `FirewalldSimulator`.
final class FirewalldBackendTests: XCTestCase {
    var dir: URL!
    var settings = Settings()
    let firewalld = FirewalldSimulator()
    var backend: FirewalldBackend!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfsync-firewalld-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        settings.stateDir = dir.appendingPathComponent("state").path
        try writeLists(v4: "104.16.0.0/12\n173.245.48.0/20\n", v6: "2606:4700::/32\n")
        settings.sourceV4 = "file://" + dir.appendingPathComponent("v4").path
        settings.sourceV6 = "file://" + dir.appendingPathComponent("v6").path
        backend = try FirewalldBackend(runner: firewalld)
        firewalld.commands = []
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func writeLists(v4: String, v6: String) throws {
        try v4.write(to: dir.appendingPathComponent("v4"), atomically: true, encoding: .utf8)
        try v6.write(to: dir.appendingPathComponent("v6"), atomically: true, encoding: .utf8)
    }

    var syncer: Syncer { Syncer(settings: settings, backend: backend) }

    func rules(_ config: FirewalldSimulator.Config) -> [String] { config.policies["cfsync"]?.richRules ?? [] }

    /// The same objects in both configurations (firewalld keeps no order that matters).
    func assertRuntimeIsPermanent(file: StaticString = #filePath, line: UInt = #line) {
        func unordered(_ c: FirewalldSimulator.Config) -> [String: Set<String>] {
            c.ipsets.mapValues { Set($0.entries + ["type \($0.type) \($0.family)"]) }
                .merging(c.policies.mapValues { Set($0.richRules + ["\($0.priority) \($0.target) \($0.ingress) \($0.egress)"]) }) { $1 }
                .merging(c.zones.mapValues { [$0] }) { $1 }
        }
        XCTAssertEqual(unordered(firewalld.runtime), unordered(firewalld.permanent), file: file, line: line)
    }

    /// The simulator answers as firewall-cmd 1.3.3 did for the same objects.
    func testTheSimulatorPrintsWhatFirewallCmdPrinted() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/firewalld")
        func fixture(_ name: String) throws -> String { try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8) }
        firewalld.runtime.ipsets["cfsync-v4"] = .init(type: "hash:net", family: "inet", entries: ["104.16.0.0/12", "173.245.48.0/20"])
        firewalld.runtime.policies["cfsync"] = .init(priority: "-100", target: "CONTINUE", ingress: ["ANY"], egress: ["HOST"], richRules: [
            #"rule family="ipv4" source ipset="cfsync-v4" port port="80" protocol="tcp" accept"#,
            #"rule family="ipv4" source NOT ipset="cfsync-v4" port port="80" protocol="tcp" drop"#,
            #"rule family="ipv4" source NOT ipset="cfsync-v4" port port="443" protocol="tcp" drop"#,
        ])
        XCTAssertEqual(try firewalld.run(["firewall-cmd", "--info-ipset=cfsync-v4"]).stdout, try fixture("info-ipset-v4.txt"))
        XCTAssertEqual(try firewalld.run(["firewall-cmd", "--info-policy=cfsync"]).stdout, try fixture("info-policy.txt"))
        XCTAssertEqual(try firewalld.run(["firewall-cmd", "--info-ipset=nonexist"]).stderr, try fixture("info-ipset-missing.stderr"))
    }

    func testFirstInstallWritesPermanentObjectsAndReloadsOnce() throws {
        let outcome = syncer.apply()
        XCTAssertEqual(outcome.exit, .success, outcome.report.error ?? "")
        XCTAssertEqual(firewalld.reloads, 1)
        assertRuntimeIsPermanent()
        XCTAssertEqual(Set(firewalld.runtime.ipsets.keys), ["cfsync-v4", "cfsync-v4-b", "cfsync-v6", "cfsync-v6-b"])
        XCTAssertEqual(firewalld.runtime.ipsets["cfsync-v4"]?.entries, ["104.16.0.0/12", "173.245.48.0/20"])
        XCTAssertEqual(firewalld.runtime.ipsets["cfsync-v6"]?.entries, ["2606:4700::/32"])
        let policy = try XCTUnwrap(firewalld.runtime.policies["cfsync"])
        XCTAssertEqual([policy.priority, policy.target], ["-100", "CONTINUE"])
        XCTAssertEqual([policy.ingress, policy.egress], [["ANY"], ["HOST"]])
        XCTAssertEqual(Set(policy.richRules), [
            #"rule family="ipv4" source ipset="cfsync-v4" port port="80" protocol="tcp" accept"#,
            #"rule family="ipv4" source ipset="cfsync-v4" port port="443" protocol="tcp" accept"#,
            #"rule family="ipv4" source NOT ipset="cfsync-v4" port port="80" protocol="tcp" drop"#,
            #"rule family="ipv4" source NOT ipset="cfsync-v4" port port="443" protocol="tcp" drop"#,
            #"rule family="ipv6" source ipset="cfsync-v6" port port="80" protocol="tcp" accept"#,
            #"rule family="ipv6" source ipset="cfsync-v6" port port="443" protocol="tcp" accept"#,
            #"rule family="ipv6" source NOT ipset="cfsync-v6" port port="80" protocol="tcp" drop"#,
            #"rule family="ipv6" source NOT ipset="cfsync-v6" port port="443" protocol="tcp" drop"#,
        ])
        XCTAssertEqual(firewalld.verdict(source: "104.16.1.0/24", port: 443), .accept)
        XCTAssertEqual(firewalld.verdict(source: "198.51.100.7/32", port: 443), .drop)
        XCTAssertNil(firewalld.verdict(source: "198.51.100.7/32", port: 22))

        let commands = firewalld.commands.count
        let again = syncer.apply()
        XCTAssertEqual(again.report.result, .unchanged)
        XCTAssertEqual(firewalld.reloads, 1)
        XCTAssertFalse(firewalld.commands[commands...].contains { $0.contains { $0.hasPrefix("--add") || $0.hasPrefix("--remove") } })
    }

    func testFirstInstallRefusesWhileRuntimeDiffersFromPermanentAndChangesNothing() throws {
        firewalld.runtime.zones["public"] = firewalld.runtime.zones["public"]!.replacingOccurrences(of: "  ports: \n", with: "  ports: 8080/tcp\n")
        let before = (firewalld.runtime, firewalld.permanent)
        let outcome = syncer.apply()
        XCTAssertEqual(outcome.exit, .error)
        let message = try XCTUnwrap(outcome.report.error)
        XCTAssertTrue(message.contains("zone public: runtime ports differ from the permanent configuration"), message)
        XCTAssertTrue(message.contains("which would discard those changes: nothing changed"), message)
        XCTAssertEqual(firewalld.runtime, before.0)
        XCTAssertEqual(firewalld.permanent, before.1)
        XCTAssertEqual(firewalld.reloads, 0)
    }

    func testForwardIsRefusedWithExit64BeforeAnythingElse() throws {
        settings.forward = true
        let outcome = syncer.plan()
        XCTAssertEqual(outcome.exit, .usage)
        XCTAssertEqual(outcome.report.error, "--forward: the firewalld backend cannot protect ports published to containers "
            + "(its policy covers traffic to the host only); use --backend nftables or iptables")
        XCTAssertEqual(firewalld.commands, [])
    }

    func testNotRunningIsRefused() {
        firewalld.running = false
        XCTAssertThrowsError(try FirewalldBackend(runner: firewalld)) { error in
            XCTAssertEqual((error as? CFSyncError)?.exit, .error)
        }
    }

    /// /12 → /13 + /14: the new prefixes overlap the old one, which firewalld refuses in one
    /// set; the idle twin takes them, and no runtime state in between refuses a listed source.
    func testOverlappingChangeGoesThroughTheIdleTwinWithoutAGap() throws {
        XCTAssertEqual(syncer.apply().exit, .success)
        var states = 0
        firewalld.afterRuntimeChange = { sim in
            states += 1
            XCTAssertEqual(sim.verdict(source: "104.16.1.0/24", port: 443), .accept, "after \(sim.commands.last ?? [])")
            XCTAssertEqual(sim.verdict(source: "104.24.1.0/24", port: 80), .accept, "after \(sim.commands.last ?? [])")
            XCTAssertEqual(sim.verdict(source: "2606:4700::/48", port: 443), .accept, "after \(sim.commands.last ?? [])")
            XCTAssertEqual(sim.verdict(source: "198.51.100.7/32", port: 443), .drop, "after \(sim.commands.last ?? [])")
        }
        try writeLists(v4: "104.16.0.0/13\n104.24.0.0/14\n173.245.48.0/20\n", v6: "2606:4700::/32\n")
        let outcome = syncer.apply()
        XCTAssertEqual(outcome.exit, .success, outcome.report.error ?? "")
        XCTAssertGreaterThan(states, 2)
        XCTAssertEqual(firewalld.reloads, 1)
        assertRuntimeIsPermanent()
        XCTAssertEqual(Set(firewalld.runtime.ipsets["cfsync-v4-b"]?.entries ?? []), ["104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20"])
        XCTAssertEqual(firewalld.runtime.ipsets["cfsync-v4"]?.entries, [])
        XCTAssertEqual(firewalld.runtime.ipsets["cfsync-v6"]?.entries, ["2606:4700::/32"])
        XCTAssertTrue(rules(firewalld.runtime).filter { $0.contains("ipv4") }.allSatisfy { $0.contains(#"ipset="cfsync-v4-b""#) })
        XCTAssertEqual(firewalld.verdict(source: "104.28.0.0/24", port: 443), .drop)

        // and back: the rules return to cfsync-v4.
        try writeLists(v4: "104.16.0.0/12\n173.245.48.0/20\n", v6: "2606:4700::/32\n")
        XCTAssertEqual(syncer.apply().exit, .success)
        XCTAssertEqual(firewalld.runtime.ipsets["cfsync-v4-b"]?.entries, [])
        assertRuntimeIsPermanent()
    }

    func testAllowModeHasOnlyTheAccepts() throws {
        XCTAssertEqual(syncer.apply().exit, .success)
        settings.mode = .allow
        XCTAssertEqual(syncer.apply().exit, .success)
        XCTAssertEqual(rules(firewalld.runtime).count, 4)
        XCTAssertFalse(rules(firewalld.runtime).contains { $0.hasSuffix("drop") })
        XCTAssertNil(firewalld.verdict(source: "198.51.100.7/32", port: 443))
        assertRuntimeIsPermanent()
    }

    func testRollbackRestoresTheSnapshotExactlyAndRemoveDeletesEverything() throws {
        XCTAssertEqual(syncer.apply().exit, .success)
        let first = firewalld.runtime
        try writeLists(v4: "104.16.0.0/13\n104.24.0.0/14\n173.245.48.0/20\n", v6: "2606:4700::/32\n2400:cb00::/32\n")
        XCTAssertEqual(syncer.apply().exit, .success)
        XCTAssertNotEqual(firewalld.runtime, first)

        let rolled = syncer.rollback(to: nil)
        XCTAssertEqual(rolled.exit, .success, rolled.report.error ?? "")
        XCTAssertEqual(firewalld.runtime.ipsets.mapValues { Set($0.entries) }, first.ipsets.mapValues { Set($0.entries) })
        XCTAssertEqual(Set(rules(firewalld.runtime)), Set(rules(first)))
        XCTAssertEqual(firewalld.permanent.ipsets.mapValues { Set($0.entries) }, first.ipsets.mapValues { Set($0.entries) })

        let removed = syncer.remove()
        XCTAssertEqual(removed.exit, .success, removed.report.error ?? "")
        XCTAssertEqual(firewalld.runtime, FirewalldSimulator.Config())
        XCTAssertEqual(firewalld.permanent, FirewalldSimulator.Config())
        XCTAssertEqual(try backend.snapshot(), "")
    }

    /// A snapshot whose active set is the one in use now, with other entries: restored through
    /// the other twin and back, never with a listed source refused.
    func testRestoringOtherEntriesIntoTheSetInUseGoesThroughTheTwinAndBack() throws {
        XCTAssertEqual(syncer.apply().exit, .success)
        let first = try backend.snapshot()
        try writeLists(v4: "104.16.0.0/13\n104.24.0.0/14\n173.245.48.0/20\n", v6: "2606:4700::/32\n")
        XCTAssertEqual(syncer.apply().exit, .success)
        try writeLists(v4: "104.16.0.0/13\n104.24.0.0/14\n173.245.48.0/20\n198.41.128.0/17\n", v6: "2606:4700::/32\n")
        XCTAssertEqual(syncer.apply().exit, .success)
        XCTAssertEqual(firewalld.runtime.ipsets["cfsync-v4"]?.entries.count, 4)
        var states: [[String]] = []
        firewalld.afterRuntimeChange = { sim in
            states.append(sim.commands.last ?? [])
            XCTAssertEqual(sim.verdict(source: "104.16.1.0/24", port: 443), .accept, "after \(sim.commands.last ?? [])")
            XCTAssertEqual(sim.verdict(source: "173.245.48.0/24", port: 80), .accept, "after \(sim.commands.last ?? [])")
            XCTAssertEqual(sim.verdict(source: "198.51.100.7/32", port: 443), .drop, "after \(sim.commands.last ?? [])")
        }
        try backend.restore(first)
        XCTAssertEqual(try backend.snapshot(), first)
        XCTAssertEqual(states.filter { $0.contains { $0.hasPrefix("--add-rich-rule=") } }.count, 2)
        XCTAssertEqual(firewalld.runtime.ipsets["cfsync-v4-b"]?.entries, [])
        assertRuntimeIsPermanent()
    }

    func testRemoveWithoutReloadWhenRuntimeDiffersLeavesOnlyInertObjects() throws {
        XCTAssertEqual(syncer.apply().exit, .success)
        firewalld.runtime.zones["public"] = firewalld.runtime.zones["public"]!.replacingOccurrences(of: "  ports: \n", with: "  ports: 8080/tcp\n")
        let reloads = firewalld.reloads
        XCTAssertEqual(syncer.remove().exit, .success)
        XCTAssertEqual(firewalld.reloads, reloads)
        XCTAssertEqual(firewalld.permanent, FirewalldSimulator.Config())
        XCTAssertTrue(firewalld.runtime.zones["public"]!.contains("ports: 8080/tcp"))
        XCTAssertEqual(rules(firewalld.runtime), [])
        XCTAssertTrue(firewalld.runtime.ipsets.values.allSatisfy(\.entries.isEmpty))
        XCTAssertNil(firewalld.verdict(source: "198.51.100.7/32", port: 443))
        XCTAssertEqual(try backend.snapshot(), "")

        // A later install reuses the inert runtime objects: no reload needed.
        XCTAssertEqual(syncer.apply().exit, .success)
        XCTAssertEqual(firewalld.reloads, reloads)
        XCTAssertEqual(firewalld.verdict(source: "198.51.100.7/32", port: 443), .drop)
        XCTAssertEqual(firewalld.permanent.ipsets, firewalld.runtime.ipsets)
    }

    func testRuntimeOnlyDriftOfCfsyncsObjectsIsReportedAndRepaired() throws {
        XCTAssertEqual(syncer.apply().exit, .success)
        firewalld.runtime.policies["cfsync"]?.richRules.removeAll { $0.contains("drop") }
        let status = syncer.status()
        XCTAssertEqual(status.exit, .changes)
        XCTAssertTrue(status.report.drift?.contains { $0.hasPrefix("runtime: rich rule missing: ") } ?? false, "\(status.report.drift ?? [])")
        XCTAssertEqual(syncer.apply().exit, .success)
        assertRuntimeIsPermanent()
        XCTAssertEqual(syncer.status().exit, .success)
    }
}
