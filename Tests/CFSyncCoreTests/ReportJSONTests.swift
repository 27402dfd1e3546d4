import CFSyncCore
import CFSyncTestSupport
import Foundation
import XCTest

final class ReportJSONTests: XCTestCase {
    func testEveryDocumentedKeyIsPresentWithNulls() throws {
        var report = Report(command: "plan")
        report.result = .planned
        report.backend = "nftables"
        let desired = AddressLists(ipv4: v4("104.16.0.0/13", "104.24.0.0/14"), ipv6: v6("2606:4700::/32"))
        let installed = InstalledState(structure: .matches, lists: AddressLists(ipv4: v4("104.16.0.0/12"), ipv6: v6("2606:4700::/32")))
        report.record(SyncPlan(policy: Policy(mode: .lockdown, ports: [80, 443], families: [.ipv4, .ipv6]), desired: desired, installed: installed), objects: "table inet cfsync")
        report.sources = [.init(url: "https://www.cloudflare.com/ips-v4", sha256: "ab", etag: nil, fromCache: false)]
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["command", "result", "backend", "mode", "ports", "changed", "changes", "counts", "snapshot", "sources", "warnings", "error"])
        XCTAssertEqual(report.json, #"{"backend":"nftables","changed":false,"changes":{"ipv4":{"add":["104.16.0.0/13","104.24.0.0/14"],"remove":["104.16.0.0/12"]},"ipv6":{"add":[],"remove":[]}},"command":"plan","counts":{"ipv4":2,"ipv6":1},"error":null,"mode":"lockdown","ports":[80,443],"result":"planned","snapshot":null,"sources":[{"etag":null,"fetched_at":null,"from_cache":false,"sha256":"ab","url":"https://www.cloudflare.com/ips-v4"}],"warnings":[]}"#)
    }

    func testStatusAddsInSyncAndDrift() throws {
        var report = Report(command: "status")
        report.inSync = false
        report.drift = ["ipv4: 104.16.0.0/12 is missing"]
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        XCTAssertEqual(object["in_sync"] as? Bool, false)
        XCTAssertEqual(object["drift"] as? [String], ["ipv4: 104.16.0.0/12 is missing"])
    }

    func testStatusSaysTheLastRepairOrNull() throws {
        var report = Report(command: "status")
        report.inSync = true
        report.drift = []
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        XCTAssertTrue(object["last_repair"] is NSNull, report.json)

        report.lastRepair = Repair(at: Date(timeIntervalSince1970: 1_796_212_800), repaired: ["create table inet cfsync"], total: 3)
        object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        let repair = try XCTUnwrap(object["last_repair"] as? [String: Any], report.json)
        XCTAssertEqual(repair["at"] as? String, "2026-12-02T12:00:00Z")
        XCTAssertEqual(repair["repaired"] as? [String], ["create table inet cfsync"])
        XCTAssertEqual(repair["total"] as? Int, 3)
    }
}
