import Foundation
import XCTest

/// Scenario 6: `status` reports drift made by hand, naming what drifted.
final class StatusTests: NetfilterTestCase {
    func testStatusReportsMissingElementAndMissingChain() throws {
        try applyGoodLists()
        let ruleset = try origin.nftRuleset(handles: true)

        let synced = try cfsync("status")
        XCTAssertEqual(synced.status, 0, "\(synced)")
        let syncedJSON = try cfsync("status", json: true)
        XCTAssertEqual(syncedJSON.status, 0, "\(syncedJSON)")
        XCTAssertEqual(syncedJSON.bool("in_sync"), true, "\(syncedJSON)")
        XCTAssertEqual(syncedJSON.driftItems ?? ["<no drift array>"], [], "\(syncedJSON)")
        XCTAssertEqual(try origin.nftRuleset(handles: true), ruleset, "status changed the ruleset")

        // A prefix removed by hand.
        try origin.nft("delete", "element", "inet", "cfsync", "allow_v4", "{ 104.16.0.0/12 }")
        let missing = try cfsync("status")
        XCTAssertEqual(missing.status, 2, "\(missing)")
        XCTAssertTrue(missing.stdout.contains("104.16.0.0/12"), "status does not name the prefix: \(missing)")
        let missingJSON = try cfsync("status", json: true)
        XCTAssertEqual(missingJSON.status, 2, "\(missingJSON)")
        XCTAssertEqual(missingJSON.bool("in_sync"), false, "\(missingJSON)")
        XCTAssertTrue(missingJSON.driftItems?.contains { $0.contains("104.16.0.0/12") } ?? false, "\(missingJSON)")

        // apply repairs it; status is clean again.
        let repair = try cfsync("apply", json: true)
        XCTAssertEqual(repair.status, 0, "\(repair)")
        XCTAssertEqual(repair.changes?["ipv4"], ["add": ["104.16.0.0/12"], "remove": []], "\(repair)")
        XCTAssertEqual(try cfsync("status").status, 0)

        // The base chain removed by hand (rules first: nft refuses to delete a non-empty chain).
        try origin.nft("flush chain inet cfsync input; delete chain inet cfsync input")
        let noChain = try cfsync("status")
        XCTAssertEqual(noChain.status, 2, "\(noChain)")
        XCTAssertTrue(noChain.stdout.contains("input"), "status does not name the chain: \(noChain)")
        let noChainJSON = try cfsync("status", json: true)
        XCTAssertEqual(noChainJSON.status, 2, "\(noChainJSON)")
        XCTAssertEqual(noChainJSON.bool("in_sync"), false, "\(noChainJSON)")
        XCTAssertTrue(noChainJSON.driftItems?.contains { $0.contains("input") } ?? false, "\(noChainJSON)")
    }
}
