import Foundation
import XCTest

/// Issue 4 on the real kernel: rollback, restore after a failure, kill -9,
/// concurrent runs, the shrink and SSH guards, remove, and --confirm.
final class SafetyNetNetfilterTests: NetfilterTestCase {
    static let splitV4 = ["104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20"]

    func testRollbackRestoresByteIdenticallyAndRollbackOfRollbackReturns() throws {
        try installUnrelatedTable()
        try applyGoodLists()
        let first = try origin.nftRuleset()
        try writeList("ips-v4", Self.splitV4)
        XCTAssertEqual(try cfsync("apply").status, 0)
        let second = try origin.nftRuleset()
        XCTAssertNotEqual(first, second)

        let back = try cfsync("rollback", json: true)
        XCTAssertEqual(back.status, 0, "\(back)")
        XCTAssertEqual(back.string("result"), "rolled-back")
        XCTAssertEqual(try origin.nftRuleset(), first)
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)

        XCTAssertEqual(try cfsync("rollback").status, 0)
        XCTAssertEqual(try origin.nftRuleset(), second)
        XCTAssertEqual(try cfsync("status").status, 0, "rollback of the rollback is the applied state, in sync")
    }

    /// The transaction commits in the kernel, then the run fails before its
    /// read-back: the snapshot must be restored exactly.
    func testFailureAfterTheTransactionRestoresTheRuleset() throws {
        try installUnrelatedTable()
        try applyGoodLists()
        let before = try origin.nftRuleset()
        let stateBefore = try stateFiles().filter { $0.key.hasPrefix("lists/") }
        try writeList("ips-v4", Self.splitV4)

        let run = try cfsync("apply", json: true, environment: ["CFSYNC_FAILPOINT": "after-apply"])
        XCTAssertEqual(run.status, 1, "\(run)")
        XCTAssertEqual(run.string("result"), "error")
        XCTAssertTrue(run.string("error")?.contains("restored snapshot") == true, "\(run)")
        XCTAssertEqual(try origin.nftRuleset(), before)
        XCTAssertEqual(try stateFiles().filter { $0.key.hasPrefix("lists/") }, stateBefore, "the accepted lists were restored too")
    }

    /// A first apply commits three transactions; a failure after the first leaves objects that
    /// filter nothing, and the restore removes them: the ruleset is as before, nothing accepted.
    func testFailureBetweenAFirstApplysTransactionsRemovesWhatItCreated() throws {
        try installUnrelatedTable()
        try serveGoodLists()
        let before = try origin.nftRuleset()

        let run = try cfsync("apply", json: true, environment: ["CFSYNC_FAILPOINT": "between-transactions"])
        XCTAssertEqual(run.status, 1, "\(run)")
        XCTAssertEqual(run.string("result"), "error")
        XCTAssertTrue(run.string("error")?.contains("restored snapshot") == true, "\(run)")
        XCTAssertEqual(try origin.nftRuleset(), before)
        XCTAssertFalse(try origin.nftHasTable("inet", "cfsync"))
        let bodies = try stateFiles().keys.filter { $0.hasPrefix("lists/") && $0.hasSuffix(".txt") }
        XCTAssertEqual(bodies, [], "no list was accepted")

        let again = try cfsync("apply", json: true)
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.goodV4.sorted())
    }

    /// kill -9 at a random moment, then apply again: converges with no duplicates.
    func testKillNineAtRandomMomentsThenApplyConverges() throws {
        try applyGoodLists()
        var generator = SystemRandomNumberGenerator()
        for round in 0..<12 {
            let lists = round % 2 == 0 ? Self.splitV4 : Self.goodV4
            try writeList("ips-v4", lists)
            let victim = try cfsyncInBackground("apply")
            usleep(UInt32.random(in: 0...60_000, using: &generator))
            victim.kill(signal: SIGKILL)

            let again = try cfsync("apply", json: true)
            XCTAssertEqual(again.status, 0, "round \(round): \(again)")
            XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), lists.sorted(), "round \(round)")
            XCTAssertEqual(try origin.nft("list", "tables").stdout, "table inet cfsync\n", "round \(round)")
            XCTAssertEqual(try cfsync("status").status, 0, "round \(round)")
        }
        let rules = try origin.nftTable("inet", "cfsync").split(separator: "\n").filter { $0.hasSuffix(" accept") || $0.hasSuffix(" drop") }
        XCTAssertEqual(rules.count, 5, "one loopback rule, two accepts, two drops: \(rules)")
    }

    func testConcurrentAppliesSerialiseOnTheLock() throws {
        try applyGoodLists()
        try writeList("ips-v4", Self.splitV4)
        // One run holds the lock for a while; the other gives up after 0.5 s.
        let holder = try cfsyncInBackground("apply", environment: ["CFSYNC_FAILPOINT": "hold-lock"])
        usleep(500_000)
        let loser = try cfsync("apply", ["--lock-timeout", "0.5"], json: true)
        XCTAssertEqual(loser.status, 4, "\(loser)")
        XCTAssertEqual(loser.process.stderrLines.count, 1, "\(loser)")
        XCTAssertEqual(holder.wait(timeout: 30), 0, holder.stderr)

        // Two at once with the default timeout: both succeed, one after the other.
        try writeList("ips-v4", Self.goodV4)
        let a = try cfsyncInBackground("apply"), b = try cfsyncInBackground("apply")
        let statuses = [a.wait(timeout: 60), b.wait(timeout: 60)]
        XCTAssertEqual(statuses.compactMap { $0 }.sorted(), [0, 0], "\(a.stderr) \(b.stderr)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.goodV4.sorted())
        XCTAssertEqual(try cfsync("status").status, 0)
    }

    func testShrinkFrom15To1IsRefusedUnlessForced() throws {
        let cloudflare = try String(contentsOfFile: NetfilterSuite.fixtures.appendingPathComponent("cloudflare/ips-v4").path, encoding: .utf8)
        try writeFile("ips-v4", cloudflare)
        try writeList("ips-v6", Self.goodV6)
        XCTAssertEqual(try cfsync("apply").status, 0)
        let before = try origin.nftRuleset()
        try writeList("ips-v4", ["104.16.0.0/13"])

        let refused = try cfsync("apply", json: true)
        XCTAssertEqual(refused.status, 3, "\(refused)")
        XCTAssertEqual(refused.string("result"), "refused")
        XCTAssertEqual(try origin.nftRuleset(), before)

        XCTAssertEqual(try cfsync("apply", ["--force"]).status, 0)
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), ["104.16.0.0/13"])
    }

    func testSSHGuardRefusesToCutOffTheCurrentSession() throws {
        try serveGoodLists()
        let ssh = ["SSH_CONNECTION": "\(Address.clientUnlistedV4) 50022 \(Address.originUnlistedV4) 443"]
        let refused = try cfsync("apply", ["--ports", "22,443"], json: true, environment: ssh)
        XCTAssertEqual(refused.status, 3, "\(refused)")
        XCTAssertEqual(try origin.nft("list", "tables").stdout, "")
        XCTAssertEqual(try cfsync("apply", ["--ports", "22,443", "--allow", "\(Address.clientUnlistedV4)/32"], environment: ssh).status, 0)
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443)
    }

    func testRemoveDeletesOnlyCfsyncsObjects() throws {
        try installUnrelatedTable()
        let before = try origin.nftRuleset()
        try applyGoodLists()
        let run = try cfsync("remove", json: true)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.string("result"), "removed")
        XCTAssertEqual(try origin.nftRuleset(), before)
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443)
        XCTAssertEqual(try cfsync("rollback").status, 0, "remove is undoable")
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443)
    }

    /// A host that moved from iptables to nftables: remove clears both.
    func testRemoveClearsEveryBackendThatHoldsObjects() throws {
        try serveGoodLists()
        XCTAssertEqual(try cfsync("apply", ["--backend", "iptables"]).status, 0)
        XCTAssertEqual(try cfsync("apply").status, 0)
        XCTAssertTrue(try origin.run(["iptables-save"]).stdout.contains("CFSYNC-INPUT"))

        let run = try cfsync("remove", json: true)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.bool("changed"), true)
        XCTAssertFalse(try origin.run(["iptables-save"]).stdout.contains("CFSYNC"), "iptables objects left")
        XCTAssertFalse(try origin.run(["ip6tables-save"]).stdout.contains("CFSYNC"), "ip6tables objects left")
        XCTAssertFalse(try origin.nft("list", "tables").stdout.contains("inet cfsync"), "nftables table left")
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443)
    }

    func testUnconfirmedChangeRollsBackAndAConfirmedOneStays() throws {
        try applyGoodLists()
        let before = try origin.nftRuleset()
        try writeList("ips-v4", Self.splitV4)
        let unconfirmed = try cfsync("apply", ["--confirm", "1"], json: true)
        XCTAssertEqual(unconfirmed.status, 1, "\(unconfirmed)")
        XCTAssertEqual(unconfirmed.string("result"), "rolled-back")
        XCTAssertEqual(try origin.nftRuleset(), before)

        let waiting = try cfsyncInBackground("apply", ["--confirm", "20"])
        var confirmed: CFSyncRun?
        for _ in 0..<100 where confirmed?.status != 0 {
            usleep(100_000)
            confirmed = try cfsync("confirm")
        }
        XCTAssertEqual(confirmed?.status, 0, "\(String(describing: confirmed))")
        XCTAssertEqual(waiting.wait(timeout: 30), 0, waiting.stderr)
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.splitV4.sorted())
    }

    /// SIGTERM (systemd stopping the unit) while a change waits for confirmation: undo it.
    func testSigtermBeforeConfirmationRestoresTheSnapshot() throws {
        try applyGoodLists()
        let before = try origin.nftRuleset()
        try writeList("ips-v4", Self.splitV4)
        let waiting = try cfsyncInBackground("apply", ["--confirm", "30"])
        let pending = stateDir.appendingPathComponent("confirm/pending").path
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: pending) { usleep(50_000) }
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.splitV4.sorted(), "the change is in place while it waits")
        waiting.kill(signal: SIGTERM)
        XCTAssertTrue(waiting.stdout.contains("\"rolled-back\""), waiting.stdout + waiting.stderr)
        XCTAssertEqual(try origin.nftRuleset(), before)
    }
}
