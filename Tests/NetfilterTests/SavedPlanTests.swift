import Foundation
import XCTest

/// Issue 9 on the real kernel: apply exactly the reviewed plan, or nothing.
final class SavedPlanTests: NetfilterTestCase {
    var planFile: String { work.appendingPathComponent("reviewed.json").path }

    func testApplyOfASavedPlanEqualsADirectApply() throws {
        try applyGoodLists()
        try writeList("ips-v4", SafetyNetNetfilterTests.splitV4)
        let plan = try cfsync("plan", ["--out", planFile], json: true)
        XCTAssertEqual(plan.status, 0, "\(plan)")
        let mode = try FileManager.default.attributesOfItem(atPath: planFile)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        // The list changes again after review: apply --plan must not fetch it.
        try writeList("ips-v4", ["104.16.0.0/12", "173.245.48.0/20", "131.0.72.0/22"])

        let saved = try cfsync("apply", ["--plan", planFile], json: true)
        XCTAssertEqual(saved.status, 0, "\(saved)")
        XCTAssertEqual(saved.changes, plan.changes)
        let viaPlan = try origin.nftRuleset()

        // The same change made directly, from the same starting point.
        XCTAssertEqual(try cfsync("rollback").status, 0)
        try writeList("ips-v4", SafetyNetNetfilterTests.splitV4)
        let direct = try cfsync("apply", json: true)
        XCTAssertEqual(direct.changes, plan.changes)
        XCTAssertEqual(try origin.nftRuleset(), viaPlan)
    }

    func testAStalePlanIsRefusedAndChangesNothing() throws {
        try applyGoodLists()
        try writeList("ips-v4", SafetyNetNetfilterTests.splitV4)
        XCTAssertEqual(try cfsync("plan", ["--out", planFile]).status, 0)
        try origin.nft("delete", "element", "inet", "cfsync", "allow_v6", "{ 2606:4700::/32 }")
        let before = try origin.nftRuleset()

        let run = try cfsync("apply", ["--plan", planFile])
        XCTAssertEqual(run.status, 3, "\(run)")
        XCTAssertEqual(run.process.stderrLines.count, 1, "\(run)")
        XCTAssertTrue(run.stderr.contains("stale plan") && run.stderr.contains("2606:4700::/32"), run.stderr)
        XCTAssertEqual(try origin.nftRuleset(), before)
    }

    func testDamagedOrForeignPlanFilesAreUsageErrors() throws {
        try applyGoodLists()
        try writeList("ips-v4", SafetyNetNetfilterTests.splitV4)
        XCTAssertEqual(try cfsync("plan", ["--out", planFile]).status, 0)
        let good = try String(contentsOfFile: planFile, encoding: .utf8)
        let before = try origin.nftRuleset()
        let variants = [
            "truncated": String(good.prefix(good.count / 2)),
            "hand-edited": good.replacingOccurrences(of: "104.24.0.0/14", with: "104.28.0.0/14"),
            "other format": good.replacingOccurrences(of: "\"format\" : 2", with: "\"format\" : 99"),
            "not a plan": "{\"hello\": 1}",
        ]
        for (name, text) in variants {
            let path = work.appendingPathComponent("\(name).json").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let run = try cfsync("apply", ["--plan", path])
            XCTAssertEqual(run.status, 64, "\(name): \(run)")
            XCTAssertEqual(run.process.stderrLines.count, 1, "\(name): \(run)")
            XCTAssertEqual(try origin.nftRuleset(), before, name)
        }
        let foreign = try cfsync("apply", ["--plan", planFile, "--backend", "iptables"])
        XCTAssertEqual(foreign.status, 64, "\(foreign)")
        XCTAssertEqual(try origin.nftRuleset(), before)
    }

    /// Issue 15, point 7: a saved plan meets every list guard when it is applied. A plan
    /// made with --force from a list that lost half its coverage is refused (exit 3,
    /// nothing changed, not a byte of the state dir) unless the apply is forced too.
    func testAPlanMadeWithForceMeetsTheShrinkGuardWhenApplied() throws {
        try applyGoodLists()
        try writeList("ips-v4", ["104.16.0.0/13"])
        XCTAssertEqual(try cfsync("plan", ["--out", planFile, "--force"]).status, 0)
        let before = try origin.nftRuleset()
        let state = try stateFiles()

        let run = try cfsync("apply", ["--plan", planFile])
        XCTAssertEqual(run.status, 3, "\(run)")
        XCTAssertEqual(run.process.stderrLines.count, 1, "\(run)")
        XCTAssertTrue(run.stderr.contains("IPv4 coverage would shrink by"), run.stderr)
        XCTAssertEqual(try origin.nftRuleset(), before)
        XCTAssertEqual(try stateFiles(), state, "a refused plan changed the state dir")

        let forced = try cfsync("apply", ["--plan", planFile, "--force"])
        XCTAssertEqual(forced.status, 0, "\(forced)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), ["104.16.0.0/13"])
    }

    /// The plan is signed with the state dir's key: a plan signed with another key (here the
    /// key the state dir had before it was replaced) is foreign, whatever it says.
    func testAPlanSignedWithAnotherKeyIsRefused() throws {
        try applyGoodLists()
        try writeList("ips-v4", SafetyNetNetfilterTests.splitV4)
        XCTAssertEqual(try cfsync("plan", ["--out", planFile]).status, 0)
        try FileManager.default.removeItem(at: stateDir.appendingPathComponent("plans/key"))
        XCTAssertEqual(try cfsync("plan").status, 0, "a new key")
        let before = try origin.nftRuleset()

        let run = try cfsync("apply", ["--plan", planFile])
        XCTAssertEqual(run.status, 64, "\(run)")
        XCTAssertEqual(run.process.stderrLines.count, 1, "\(run)")
        XCTAssertTrue(run.stderr.contains("signature mismatch"), run.stderr)
        XCTAssertEqual(try origin.nftRuleset(), before)
    }
}
