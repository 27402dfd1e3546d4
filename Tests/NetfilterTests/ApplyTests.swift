import Foundation
import XCTest

/// Scenarios 1-3: apply with real packets, idempotence, and the 2021-style split without a gap.
final class ApplyTests: NetfilterTestCase {
    /// Scenario 1: a first apply next to another tool's table.
    func testFirstApplyAllowsListedDropsOthersAndLeavesOtherTablesAlone() throws {
        try installUnrelatedTable()
        // Before cfsync, the unlisted address reaches the protected port: the drop below is cfsync's.
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "before apply")
        try assertConnects(from: Address.clientUnlistedV6, to: Address.originUnlistedV6, port: 443, "before apply")
        let filterBefore = try origin.nftTable("inet", "filter", handles: true)

        let run = try applyGoodLists()
        XCTAssertEqual(run.string("result"), "applied", "\(run)")
        XCTAssertEqual(run.bool("changed"), true, "\(run)")

        // IPv4
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 80)
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443)
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 80)
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 22)
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 22)
        // IPv6
        try assertConnects(from: Address.clientListedV6, to: Address.originListedV6, port: 443)
        try assertConnects(from: Address.clientListedV6, to: Address.originListedV6, port: 80)
        try assertDropped(from: Address.clientUnlistedV6, to: Address.originUnlistedV6, port: 443)
        try assertDropped(from: Address.clientUnlistedV6, to: Address.originUnlistedV6, port: 80)
        try assertConnects(from: Address.clientListedV6, to: Address.originListedV6, port: 22)
        try assertConnects(from: Address.clientUnlistedV6, to: Address.originUnlistedV6, port: 22)

        // The other table: same rules, same handles (not re-created), counters aside.
        XCTAssertEqual(try origin.nftTable("inet", "filter", handles: true), filterBefore)
        // Read back with nft: exactly the lists.
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.goodV4.sorted())
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v6"), Self.goodV6.sorted())
        // Only the two tables exist: cfsync created its own and nothing else.
        let tables = try origin.nft("list", "tables").stdout
        XCTAssertEqual(tables, "table inet filter\ntable inet cfsync\n")
    }

    /// Scenario 2: a second apply with the same lists changes nothing.
    func testSecondApplyIsANoOp() throws {
        try installUnrelatedTable()
        try applyGoodLists()
        let ruleset = try origin.nftRuleset()
        let withHandles = try origin.nftRuleset(handles: true)

        let again = try cfsync("apply", ["--detailed-exitcode"], json: true)
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.bool("changed"), false, "\(again)")
        XCTAssertEqual(again.string("result"), "unchanged", "\(again)")
        XCTAssertEqual(again.changes, ["ipv4": noChange, "ipv6": noChange], "\(again)")
        XCTAssertEqual(try origin.nftRuleset(), ruleset, "stateless listing changed")
        XCTAssertEqual(try origin.nftRuleset(handles: true), withHandles, "objects were re-created")

        let text = try cfsync("apply", ["--detailed-exitcode"])
        XCTAssertEqual(text.status, 0, "\(text)")
        XCTAssertEqual(try origin.nftRuleset(handles: true), withHandles, "objects were re-created")
    }

    /// Scenario 3: Cloudflare splits 104.16.0.0/12 into /13 + /14; no connection from a
    /// listed address may fail while cfsync applies the change.
    func testSplitPrefixAppliesWithoutAGap() throws {
        try applyGoodLists()
        let newV4 = ["104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20"]
        try writeList("ips-v4", newV4)

        let prober = try ContinuousProber(in: client, from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        usleep(300_000)
        let run = try cfsync("apply", json: true)
        usleep(300_000)
        let stats = try prober.stop()

        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.changes, [
            "ipv4": ["add": ["104.16.0.0/13", "104.24.0.0/14"], "remove": ["104.16.0.0/12"]],
            "ipv6": noChange,
        ], "\(run)")
        XCTAssertEqual(run.bool("changed"), true, "\(run)")
        XCTAssertEqual(stats.failed, 0, "connections failed during apply: \(stats)")
        XCTAssertGreaterThanOrEqual(stats.attempts, 15, "the prober did not run through the apply: \(stats)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), newV4.sorted())
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v6"), Self.goodV6)
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after the split")
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "after the split")
    }
}
