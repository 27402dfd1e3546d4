import CFSyncCore
import CFSyncTestSupport
import Foundation
import XCTest

final class RepairTests: XCTestCase {
    func testMissingNamesTheStructureAndCountsPrefixesPerFamily() {
        var report = Report(command: "watch")
        report.structural = ["create table inet cfsync"]
        report.changes = [
            .ipv4: .init(add: ["104.16.0.0/12", "173.245.48.0/20"], remove: []),
            .ipv6: .init(add: ["2606:4700::/32"], remove: ["2a06:98c0::/29"]),
        ]
        XCTAssertEqual(Repair.missing(in: report), [
            "create table inet cfsync", "ipv4: 2 prefixes missing", "ipv6: 1 prefix missing", "ipv6: 1 prefix not in the applied lists",
        ])
    }

    func testTheStateFileRoundTripsWithAnRFC3339Time() throws {
        let repair = Repair(at: Date(timeIntervalSince1970: 1_796_212_800), repaired: ["ipv4: 1 prefix missing"], total: 7)
        let data = try JSONEncoder().encode(repair)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains(#""at":"2026-12-02T12:00:00Z""#))
        XCTAssertEqual(try JSONDecoder().decode(Repair.self, from: data), repair)
        XCTAssertThrowsError(try JSONDecoder().decode(Repair.self, from: Data(#"{"at":"yesterday","repaired":[],"total":1}"#.utf8)))
    }
}
