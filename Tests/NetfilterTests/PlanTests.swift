import Foundation
import XCTest

/// Scenario 4: `plan` never touches the firewall and predicts exactly what `apply` does.
final class PlanTests: NetfilterTestCase {
    func testPlanChangesNothingAndPredictsApply() throws {
        try installUnrelatedTable()
        try serveGoodLists()

        // Fresh host: everything to add.
        let before = try origin.nftRuleset(handles: true)
        let firstPlan = try cfsync("plan", ["--detailed-exitcode"], json: true)
        XCTAssertEqual(firstPlan.status, 2, "\(firstPlan)")
        XCTAssertEqual(try origin.nftRuleset(handles: true), before, "plan changed the ruleset")
        XCTAssertFalse(try origin.nftHasTable("inet", "cfsync"), "plan created cfsync's table")
        XCTAssertEqual(firstPlan.changes, [
            "ipv4": ["add": Self.goodV4.sorted(), "remove": []],
            "ipv6": ["add": Self.goodV6.sorted(), "remove": []],
        ], "\(firstPlan)")
        let firstApply = try cfsync("apply", json: true)
        XCTAssertEqual(firstApply.status, 0, "\(firstApply)")
        XCTAssertNotNil(firstPlan.changes)
        XCTAssertEqual(firstPlan.changes, firstApply.changes, "plan \(firstPlan)\napply \(firstApply)")

        // In sync: nothing to do.
        let synced = try origin.nftRuleset(handles: true)
        let quiet = try cfsync("plan", ["--detailed-exitcode"], json: true)
        XCTAssertEqual(quiet.status, 0, "\(quiet)")
        XCTAssertEqual(quiet.changes, ["ipv4": noChange, "ipv6": noChange], "\(quiet)")
        let quietText = try cfsync("plan", ["--detailed-exitcode"])
        XCTAssertEqual(quietText.status, 0, "\(quietText)")
        XCTAssertEqual(try origin.nftRuleset(handles: true), synced, "plan changed the ruleset")

        // A change in both families.
        try writeList("ips-v4", ["104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20"])
        try writeList("ips-v6", ["2606:4700::/32", "2803:f800::/32"])
        let plan = try cfsync("plan", ["--detailed-exitcode"], json: true)
        XCTAssertEqual(plan.status, 2, "\(plan)")
        XCTAssertEqual(plan.string("result"), "planned", "\(plan)")
        let planText = try cfsync("plan", ["--detailed-exitcode"])
        XCTAssertEqual(planText.status, 2, "\(planText)")
        let planPlain = try cfsync("plan", [], json: true)
        XCTAssertEqual(planPlain.status, 0, "without --detailed-exitcode a plan with changes exits 0: \(planPlain)")
        XCTAssertEqual(try origin.nftRuleset(handles: true), synced, "plan changed the ruleset")
        XCTAssertEqual(plan.changes, [
            "ipv4": ["add": ["104.16.0.0/13", "104.24.0.0/14"], "remove": ["104.16.0.0/12"]],
            "ipv6": ["add": ["2803:f800::/32"], "remove": []],
        ], "\(plan)")

        let apply = try cfsync("apply", ["--detailed-exitcode"], json: true)
        XCTAssertEqual(apply.status, 2, "\(apply)")
        XCTAssertNotNil(plan.changes)
        XCTAssertEqual(plan.changes, apply.changes, "plan \(plan)\napply \(apply)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v6"), ["2606:4700::/32", "2803:f800::/32"])
    }
}
