import Foundation
import XCTest

/// `cfsync doctor` on the real kernel: it changes nothing and names what matters.
final class DoctorTests: NetfilterTestCase {
    func testHealthyHostPassesAndNothingChanges() throws {
        try serveGoodLists()
        let before = try origin.nftRuleset()
        let run = try cfsync("doctor", json: true)
        XCTAssertEqual(run.status, 0, "\(run)")
        let findings = try XCTUnwrap(run.json?["findings"] as? [[String: String]])
        XCTAssertEqual(findings.filter { $0["status"] == "error" }, [])
        XCTAssertTrue(findings.contains { $0["check"] == "lists" && $0["detail"]?.contains("2 IPv4 and 1 IPv6") == true }, "\(findings)")
        XCTAssertTrue(findings.contains { $0["check"] == "backend" && $0["detail"]?.hasPrefix("nftables") == true }, "\(findings)")
        XCTAssertEqual(try origin.nftRuleset(), before)
    }

    func testNamesADroppingChainAndFailsOnABadList() throws {
        try origin.nftScript("""
            table ip filter {
            \tchain INPUT {
            \t\ttype filter hook input priority 0; policy drop;
            \t\tiifname "lo" accept
            \t}
            }

            """)
        try writeList("ips-v4", ["10.0.0.0/8"])
        try writeList("ips-v6", Self.goodV6)
        let run = try cfsync("doctor")
        XCTAssertEqual(run.status, 1, "\(run)")
        XCTAssertTrue(run.stdout.contains("warn  nftables: chain ip filter INPUT: drops input by default"), run.stdout)
        XCTAssertTrue(run.stdout.contains("FAIL  lists:") && run.stdout.contains("10.0.0.0/8"), run.stdout)
        XCTAssertEqual(run.process.stderrLines.count, 1, "\(run)")
    }
}
