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

    /// A set cfsync did not create, inside its table, with an element: the terse listing
    /// cannot show its contents, so the whole table is read from a full listing. Status names
    /// it, apply rebuilds the table without it, and rollback brings it back with its element.
    func testAForeignSetInCfsyncsTableIsReadFromAFullListingAndRestored() throws {
        try applyGoodLists()
        try origin.nftScript("""
            add set inet cfsync extra { type ipv4_addr; }
            add element inet cfsync extra { 192.0.2.7 }

            """)
        let withExtra = try origin.nftTable("inet", "cfsync")

        let status = try cfsync("status", json: true)
        XCTAssertEqual(status.status, 2, "\(status)")
        XCTAssertTrue(status.driftItems?.contains { $0.contains("extra") } ?? false, "\(status)")

        let apply = try cfsync("apply", json: true)
        XCTAssertEqual(apply.status, 0, "\(apply)")
        XCTAssertFalse(try origin.nftTable("inet", "cfsync").contains("extra"), "the rebuild kept the foreign set")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.goodV4.sorted())
        XCTAssertEqual(try cfsync("status").status, 0)

        // The snapshot taken before that apply came from the full listing: the foreign set's
        // element is in it.
        XCTAssertEqual(try cfsync("rollback").status, 0)
        XCTAssertEqual(try origin.nftTable("inet", "cfsync"), withExtra)
    }

    /// Issue 15, point 8: seen, `status` and `apply --offline` without the same
    /// `--source-*` options failed ("no accepted list for https://www.cloudflare.com/ips-v4").
    /// They use the last accepted list of each family and name the source it came from.
    func testStatusAndOfflineUseTheLastAcceptedListsWhateverTheSourceOptions() throws {
        try applyGoodLists()
        let cloudflare = (v4: "https://www.cloudflare.com/ips-v4", v6: "https://www.cloudflare.com/ips-v6")

        let status = try cfsync("status", v4: cloudflare.v4, v6: cloudflare.v6, json: true)
        XCTAssertEqual(status.status, 0, "\(status)")
        XCTAssertEqual(status.bool("in_sync"), true, "\(status)")
        XCTAssertEqual(sourceURLs(status), [url("ips-v4"), url("ips-v6")], "\(status)")
        let text = try cfsync("status", ["--source-api", "https://api.cloudflare.com/client/v4/ips"])
        XCTAssertEqual(text.status, 0, "\(text)")
        XCTAssertTrue(text.stdout.contains("source: \(url("ips-v4"))"), text.stdout)

        // Offline with other sources and no list server: repairs from the accepted lists.
        try FileManager.default.removeItem(at: listsDir.appendingPathComponent("ips-v4"))
        try origin.nft("delete", "element", "inet", "cfsync", "allow_v4", "{ 104.16.0.0/12 }")
        let offline = try cfsync("apply", ["--offline"], v4: cloudflare.v4, v6: cloudflare.v6, json: true)
        XCTAssertEqual(offline.status, 0, "\(offline)")
        XCTAssertEqual(offline.changes?["ipv4"], ["add": ["104.16.0.0/12"], "remove": []], "\(offline)")
        XCTAssertEqual(sourceURLs(offline), [url("ips-v4"), url("ips-v6")], "\(offline)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.goodV4.sorted())
    }

    /// A state dir written before lists were kept per family (manifest version 1, by URL)
    /// still serves `status`: an upgraded host keeps its lists.
    func testAVersion1StateDirKeepsItsLists() throws {
        try applyGoodLists()
        let manifest = stateDir.appendingPathComponent("lists/accepted.json")
        let current = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: manifest)) as? [String: Any])
        let lists = try XCTUnwrap(current["lists"] as? [[String: Any]])
        let version1 = lists.map { $0.filter { ["url", "sha256", "etag", "fetched_at"].contains($0.key) } }
        try JSONSerialization.data(withJSONObject: ["version": 1, "lists": version1]).write(to: manifest)

        let status = try cfsync("status", v4: "https://www.cloudflare.com/ips-v4", json: true)
        XCTAssertEqual(status.status, 0, "\(status)")
        XCTAssertEqual(status.bool("in_sync"), true, "\(status)")
        XCTAssertEqual(sourceURLs(status), [url("ips-v4"), url("ips-v6")], "\(status)")
    }

    private func sourceURLs(_ run: CFSyncRun) -> [String] {
        (run.json?["sources"] as? [[String: Any]])?.compactMap { $0["url"] as? String } ?? []
    }
}
