import CFSyncCore
import Foundation
import XCTest

/// The tools cfsync runs as child processes (iptables-*-save/-restore, ipset, the ufw
/// backend's iptables calls) on a real kernel: they work with the loopback interface down
/// (as at boot, before `network-pre.target`), and TERM/HUP during `apply --confirm` undo the
/// change as they do with nftables, which spawns nothing.
final class IptablesChildProcessTests: IptablesNetfilterCase {
    static let splitV4 = ["104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20"]

    override func setUpWithError() throws {
        try super.setUpWithError()
        continueAfterFailure = false  // a hanging run costs its whole timeout; one is proof enough
    }

    /// `cfsync <command> --backend iptables` with `variant`, lists read from files (no network).
    func offlineArguments(_ variant: String, _ command: String, _ extra: [String] = []) -> [String] {
        let empty = work.appendingPathComponent("empty.toml")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        return ["/usr/bin/env", "CFSYNC_IPTABLES_VARIANT=\(variant)", NetfilterSuite.cfsyncBinary.path, command,
                "--backend", "iptables", "--state-dir", stateDir.path, "--config", empty.path, "--output", "json",
                "--source-v4", "file://" + listsDir.appendingPathComponent("ips-v4").path,
                "--source-v6", "file://" + listsDir.appendingPathComponent("ips-v6").path] + extra
    }

    func testBothVariantsWorkWithTheLoopbackInterfaceDown() throws {
        try serveGoodLists()
        try origin.check(["ip", "link", "set", "lo", "down"])
        defer { _ = try? origin.run(["ip", "link", "set", "lo", "up"]) }
        for variant in ["legacy", "nft"] {
            for extra in [[], ["--ipset"]] {
                let apply = CFSyncRun(process: try origin.run(offlineArguments(variant, "apply", extra), timeout: 30))
                XCTAssertEqual(apply.status, 0, "\(variant) \(extra): \(apply)")
                XCTAssertEqual(apply.string("result"), "applied", "\(variant) \(extra): \(apply)")
                XCTAssertTrue(try save(variant).contains("-j CFSYNC-INPUT"), "\(variant) \(extra): no jump")
                let plan = CFSyncRun(process: try origin.run(offlineArguments(variant, "plan", ["--detailed-exitcode"] + extra), timeout: 30))
                XCTAssertEqual(plan.status, 0, "\(variant) \(extra): \(plan)")
                let remove = CFSyncRun(process: try origin.run(offlineArguments(variant, "remove", extra), timeout: 30))
                XCTAssertEqual(remove.status, 0, "\(variant) \(extra): \(remove)")
                XCTAssertFalse(try save(variant).contains("CFSYNC"), "\(variant) \(extra): chains left after remove")
            }
        }
    }

    func testSighupBeforeConfirmationRollsBackLegacy() throws {
        try signalBeforeConfirmation(SIGHUP, variant: "legacy", ["--ipset"])
    }

    func testSigtermBeforeConfirmationRollsBackNft() throws {
        try signalBeforeConfirmation(SIGTERM, variant: "nft", [])
    }

    /// As the nftables scenario in SafetyNetTests: the change is in place while the run
    /// waits; the signal makes it restore the snapshot, report "rolled-back" and exit 1.
    func signalBeforeConfirmation(_ signal: Int32, variant: String, _ extra: [String]) throws {
        try serveGoodLists()
        XCTAssertEqual(try origin.run(offlineArguments(variant, "apply", extra)).status, 0)
        let before = (v4: try save(variant), v6: try save(variant, v6: true), sets: try ownSets())
        try writeList("ips-v4", Self.splitV4)
        let waiting = try origin.background(offlineArguments(variant, "apply", ["--confirm", "30"] + extra))
        let pending = stateDir.appendingPathComponent("confirm/pending").path
        for _ in 0..<400 where !FileManager.default.fileExists(atPath: pending) { usleep(50_000) }
        XCTAssertFalse(try save(variant) == before.v4 && ownSets() == before.sets, "the change is in place while it waits")
        waiting.send(signal: signal)
        XCTAssertEqual(waiting.wait(timeout: 60), 1, waiting.stdout + waiting.stderr)
        XCTAssertTrue(waiting.stdout.contains("\"rolled-back\""), waiting.stdout + waiting.stderr)
        XCTAssertEqual(try save(variant), before.v4)
        XCTAssertEqual(try save(variant, v6: true), before.v6)
        XCTAssertEqual(try ownSets(), before.sets)
    }
}

/// The same for the ufw backend, whose children are iptables/ip6tables and their -restore.
final class UfwChildProcessTests: UfwNetfilterCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try serveGoodLists()
        continueAfterFailure = false  // a hanging run costs its whole timeout; one is proof enough
    }

    func arguments(_ command: String, _ extra: [String] = []) -> [String] {
        let empty = work.appendingPathComponent("empty.toml")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        return [NetfilterSuite.cfsyncBinary.path, command, "--backend", "ufw", "--state-dir", stateDir.path,
                "--config", empty.path, "--output", "json",
                "--source-v4", "file://" + listsDir.appendingPathComponent("ips-v4").path,
                "--source-v6", "file://" + listsDir.appendingPathComponent("ips-v6").path] + extra
    }

    func testApplyPlanAndRemoveWithTheLoopbackInterfaceDown() throws {
        try origin.check(["ip", "link", "set", "lo", "down"])
        defer { _ = try? origin.run(["ip", "link", "set", "lo", "up"]) }
        let apply = CFSyncRun(process: try ufw.run(arguments("apply"), timeout: 30))
        XCTAssertEqual(apply.status, 0, "\(apply)")
        XCTAssertEqual(apply.string("result"), "applied", "\(apply)")
        XCTAssertTrue(try ufw.statusRows().contains(where: \.isCFSync), "no cfsync rule in ufw")
        let plan = CFSyncRun(process: try ufw.run(arguments("plan", ["--detailed-exitcode"]), timeout: 30))
        XCTAssertEqual(plan.status, 0, "\(plan)")
        let remove = CFSyncRun(process: try ufw.run(arguments("remove"), timeout: 30))
        XCTAssertEqual(remove.status, 0, "\(remove)")
        XCTAssertFalse(try ufw.statusRows().contains(where: \.isCFSync), "cfsync rules left after remove")
    }

    func testSigtermBeforeConfirmationRollsBack() throws {
        XCTAssertEqual(try ufw.run(arguments("apply")).status, 0)
        let before = [try ufw.rulesFile(.ipv4), try ufw.rulesFile(.ipv6), try origin.check(["iptables-save", "-t", "filter"]).stdout]
        try writeList("ips-v4", IptablesChildProcessTests.splitV4)
        let waiting = try ufw.background(arguments("apply", ["--confirm", "30"]))
        let pending = stateDir.appendingPathComponent("confirm/pending").path
        for _ in 0..<400 where !FileManager.default.fileExists(atPath: pending) { usleep(50_000) }
        XCTAssertNotEqual(try ufw.rulesFile(.ipv4), before[0], "the change is in place while it waits")
        waiting.send(signal: SIGTERM)
        XCTAssertEqual(waiting.wait(timeout: 60), 1, waiting.stdout + waiting.stderr)
        XCTAssertTrue(waiting.stdout.contains("\"rolled-back\""), waiting.stdout + waiting.stderr)
        let after = [try ufw.rulesFile(.ipv4), try ufw.rulesFile(.ipv6), try origin.check(["iptables-save", "-t", "filter"]).stdout]
        XCTAssertEqual(after.dropLast(), before.dropLast())
        XCTAssertEqual(Self.rules(after[2]), Self.rules(before[2]), "the kernel's rules differ from before")
    }

    /// `iptables-save` without comments and counters.
    static func rules(_ save: String) -> [Substring] {
        save.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix(":") }
    }
}
