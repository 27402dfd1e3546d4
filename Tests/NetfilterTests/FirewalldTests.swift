import Foundation
import XCTest

/// The firewalld backend against a real firewalld (issue 17): packets, the admin's own
/// configuration, runtime and permanent configuration, `firewall-cmd --reload`.
final class FirewalldTests: FirewalldNetfilterCase {
    /// The harness itself, without cfsync: firewalld runs the admin's configuration in the
    /// origin namespace only, and leaves nothing behind when stopped.
    func testSandboxRunsTheAdminsFirewallInTheOriginNamespaceOnly() throws {
        XCTAssertTrue(try origin.nftHasTable("inet", "firewalld"))
        XCTAssertEqual(try firewalld.cmd("--get-default-zone"), "public\n")
        XCTAssertEqual(try firewalld.cmd("--zone=public", "--list-services"), "dhcpv6-client ssh\n")
        XCTAssertEqual(try firewalld.cmd("--zone=office", "--list-sources"), "203.0.113.0/24\n")
        XCTAssertEqual(Self.ordered(try firewalld.cmd("--list-all-zones")), Self.ordered(try firewalld.cmd("--permanent", "--list-all-zones")))
        XCTAssertTrue(try ownObjects().runtime.isEmpty)
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 22)
        try assertConnects(from: Address.clientUnlistedV6, to: Address.originUnlistedV6, port: 22)
        try assertNotConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        try assertNotConnects(from: Address.clientListedV6, to: Address.originListedV6, port: 80)
        // The test's own namespace has no firewalld table, and the client's neither.
        XCTAssertFalse(try Subprocess.run([tools.nft, "list", "table", "inet", "firewalld"]).succeeded)
        XCTAssertFalse(try client.nftHasTable("inet", "firewalld"))

        firewalld.stop()
        XCTAssertEqual(try origin.nft("list", "tables").stdout, "")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after firewalld stopped")
    }

    func testFirstApplyProtectsKeepsTheAdminsConfigIsIdempotentAndSurvivesAReload() throws {
        try serveGoodLists()
        let admin = try adminView()
        // firewalld's public zone already rejects 443: what cfsync adds is the accept for listed sources.
        try assertNotConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "before apply")
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 22, "before apply")

        let run = try applied()
        XCTAssertEqual(run.string("result"), "applied", "\(run)")
        XCTAssertEqual(run.string("backend"), "firewalld", "\(run)")
        XCTAssertEqual(run.bool("changed"), true, "\(run)")
        try assertProtected("after the first apply")

        let objects = try ownObjectsInStep()
        XCTAssertEqual(objects.accepted("ipv4"), Self.goodV4.sorted(), "\(objects)")
        XCTAssertEqual(objects.accepted("ipv6"), Self.goodV6.sorted(), "\(objects)")
        XCTAssertEqual(objects.ipsets.keys.sorted(), ["cfsync-v4", "cfsync-v4-b", "cfsync-v6", "cfsync-v6-b"], "\(objects)")
        XCTAssertTrue(objects.ipsets.values.allSatisfy { $0.contains("type: hash:net") }, "\(objects)")
        let policy = objects.policies["cfsync"] ?? []
        for line in ["priority: -100", "target: CONTINUE", "ingress-zones: ANY", "egress-zones: HOST"] {
            XCTAssertTrue(policy.contains(line), "policy cfsync lacks \"\(line)\": \(objects)")
        }
        XCTAssertEqual(objects.policies.keys.sorted(), ["cfsync"], "\(objects)")
        XCTAssertEqual(try adminView(), admin, "the admin's zones, policies, ipsets or files changed")

        // A no-op rewrites nothing: firewalld would leave a `.xml.old` copy of a rewritten file, and
        // re-created runtime rules would get new handles in its nftables table.
        let files = try firewalld.permanentFiles()
        let table = try origin.nftTable("inet", "firewalld", handles: true)
        let again = try cfsyncFirewalld("apply", ["--detailed-exitcode"])
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.string("result"), "unchanged", "\(again)")
        XCTAssertEqual(again.bool("changed"), false, "\(again)")
        XCTAssertEqual(again.changes, ["ipv4": noChange, "ipv6": noChange], "\(again)")
        XCTAssertEqual(try ownObjectsInStep(), objects, "the second apply changed cfsync's objects")
        XCTAssertEqual(try firewalld.permanentFiles(), files, "the second apply rewrote permanent files")
        XCTAssertEqual(try origin.nftTable("inet", "firewalld", handles: true), table, "the second apply re-created runtime rules")

        try firewalld.cmd("--reload")
        XCTAssertEqual(try ownObjectsInStep(), objects, "firewall-cmd --reload changed cfsync's objects")
        XCTAssertEqual(try adminView(), admin)
        try assertProtected("after firewall-cmd --reload")
    }

    /// Cloudflare's 2021 change: no connection from a listed address fails while cfsync
    /// switches sets, and it reloads nothing (the admin's runtime-only port survives); then
    /// rollback and remove leave exactly what was there before.
    func testSplitWithoutAGapThenRollbackAndRemoveAreExact() throws {
        try serveGoodLists()
        let admin = try adminView()
        XCTAssertTrue(try ownObjectsInStep().isEmpty)
        try applied()
        let first = try ownObjectsInStep()
        let newV4 = ["104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20"]
        try writeList("ips-v4", newV4)
        try firewalld.cmd("--zone=public", "--add-port=9090/tcp")

        let prober = try ContinuousProber(in: client, from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        usleep(300_000)
        let run = try applied()
        usleep(300_000)
        let stats = try prober.stop()

        XCTAssertEqual(run.changes, ["ipv4": ["add": ["104.16.0.0/13", "104.24.0.0/14"], "remove": ["104.16.0.0/12"]], "ipv6": noChange], "\(run)")
        XCTAssertEqual(stats.failed, 0, "connections failed during apply: \(stats)")
        XCTAssertGreaterThanOrEqual(stats.attempts, 15, "the prober did not run through the apply: \(stats)")
        let split = try ownObjectsInStep()
        XCTAssertEqual(split.accepted("ipv4"), newV4.sorted(), "\(split)")
        XCTAssertEqual(split.accepted("ipv6"), Self.goodV6, "\(split)")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after the split")
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "after the split")
        XCTAssertEqual(try firewalld.cmd("--zone=public", "--list-ports"), "8080/tcp 9090/tcp\n", "the change reloaded firewalld")
        try firewalld.cmd("--reload")
        XCTAssertEqual(try ownObjectsInStep(), split, "the change is not the same in the permanent configuration")

        let rollback = try cfsyncFirewalld("rollback")
        XCTAssertEqual(rollback.status, 0, "\(rollback)")
        XCTAssertEqual(rollback.string("result"), "rolled-back", "\(rollback)")
        XCTAssertEqual(try ownObjectsInStep(), first, "rollback did not restore the first apply's objects")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after rollback")
        XCTAssertEqual(try adminView(), admin)

        let remove = try cfsyncFirewalld("remove")
        XCTAssertEqual(remove.status, 0, "\(remove)")
        XCTAssertEqual(remove.string("result"), "removed", "\(remove)")
        XCTAssertEqual(try ownObjects().runtime, Objects(), "left in runtime configuration")
        XCTAssertEqual(try ownObjects().permanent, Objects(), "left in permanent configuration")
        // firewalld itself keeps a `.xml.old` copy of every object file it rewrote, also after deleting the object.
        XCTAssertEqual(try firewalld.permanentFiles { Self.isOwn($0) && $0.hasSuffix(".xml") }.keys.sorted(), [],
                       "cfsync's object files are left in /etc/firewalld")
        XCTAssertEqual(try adminView(), admin)
        // Back to the admin's firewall: the public zone rejects 443, SSH stays open.
        try assertNotConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after remove")
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 22, "after remove")
    }

    /// firewalld has no forward path in cfsync: `--forward` is refused, never ignored.
    func testForwardIsRefusedWithExit64AndChangesNothing() throws {
        try serveGoodLists()
        let admin = try adminView()
        for command in ["plan", "apply"] {
            let run = try cfsyncFirewalld(command, ["--forward"])
            XCTAssertEqual(run.status, 64, "\(run)")
            XCTAssertTrue(run.string("error")?.hasPrefix("--forward: ") == true, "\(run)")
        }
        XCTAssertTrue(try ownObjects().runtime.isEmpty)
        XCTAssertTrue(try ownObjects().permanent.isEmpty)
        XCTAssertEqual(try adminView(), admin)
        XCTAssertEqual(try stateFiles(), [:])
    }

    /// A first install reloads firewalld once, which would throw away the admin's runtime-only
    /// changes: cfsync refuses while runtime and permanent configuration differ.
    func testFirstInstallIsRefusedWhileRuntimeDiffersFromPermanent() throws {
        try serveGoodLists()
        try firewalld.cmd("--zone=public", "--add-service=ftp")
        let admin = try adminView()

        let run = try cfsyncFirewalld("apply")
        XCTAssertEqual(run.status, 1, "\(run)")
        XCTAssertTrue(run.string("error")?.contains("zone public: runtime services differ from the permanent configuration") == true, "\(run)")
        XCTAssertTrue(try ownObjects().runtime.isEmpty)
        XCTAssertTrue(try ownObjects().permanent.isEmpty)
        XCTAssertEqual(try adminView(), admin, "the admin's runtime-only change is gone")
        XCTAssertTrue(try firewalld.cmd("--zone=public", "--list-services").contains("ftp"))

        // Once the admin has settled it (here: a reload drops the runtime-only service), it installs.
        try firewalld.cmd("--reload")
        try applied()
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after the admin's reload")
    }

    /// `auto` picks the running firewalld (ufw inactive); doctor names a zone that opens a
    /// protected port to everyone: harmless in lockdown (cfsync's policy runs first), moot
    /// allowlist in allow mode, which real packets then confirm.
    func testAutoPicksFirewalldAndDoctorNamesTheZoneThatOpensAProtectedPort() throws {
        try serveGoodLists()
        try firewalld.cmd("--zone=public", "--add-service=https")
        try firewalld.cmd("--permanent", "--zone=public", "--add-service=https")
        let admin = try adminView()

        func findings(_ extra: [String]) throws -> [[String: String]] {
            let run = try cfsyncAuto("doctor", extra)
            XCTAssertEqual(run.status, 0, "\(run)")
            return try XCTUnwrap(run.json?["findings"] as? [[String: String]], "\(run)")
        }
        let lockdown = try findings([])
        XCTAssertTrue(lockdown.contains { $0["check"] == "backend" && $0["detail"] == "firewalld (auto: ufw is not active, firewalld is running)" }, "\(lockdown)")
        XCTAssertTrue(lockdown.contains { $0["check"] == "firewalld runtime" && $0["status"] == "ok" }, "\(lockdown)")
        XCTAssertEqual(lockdown.filter { $0["check"] == "firewalld zones" }, [[
            "check": "firewalld zones", "status": "ok",
            "detail": "zone public opens tcp 443 (service https); cfsync's policy runs first and drops every unlisted source, so lockdown holds",
        ]])
        let allow = try findings(["--mode", "allow"])
        XCTAssertEqual(allow.filter { $0["check"] == "firewalld zones" }, [[
            "check": "firewalld zones", "status": "warning",
            "detail": "zone public opens tcp 443 to every source (service https): in allow mode that makes the allowlist moot; use --mode lockdown or close the port in that zone",
        ]])
        XCTAssertTrue(try ownObjects().runtime.isEmpty)
        XCTAssertEqual(try adminView(), admin)

        // And it is true: in allow mode the unlisted source gets through on 443.
        let run = try cfsyncAuto("apply", ["--mode", "allow"])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.string("backend"), "firewalld", "\(run)")
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "moot allowlist")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 80, "allow mode")
        try assertNotConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 80, "allow mode: the zone decides")

        // Without firewalld, auto falls back to nftables, and --backend firewalld starts nothing.
        firewalld.stop()
        let plan = try cfsyncAuto("plan")
        XCTAssertEqual(plan.string("backend"), "nftables", "\(plan)")
        let stopped = try cfsyncFirewalld("apply")
        XCTAssertEqual(stopped.status, 1, "\(stopped)")
        XCTAssertTrue(stopped.string("error")?.hasPrefix("--backend firewalld: firewalld is not running") == true, "\(stopped)")
        XCTAssertEqual(try origin.nft("list", "tables").stdout, "")
    }
}
