import CFSyncCore
import XCTest

final class UfwStatusTests: XCTestCase {
    func testParsesUfwStatusNumberedWithV6RowsCommentsAndApps() {
        let rows = UfwStatus.parse(UfwFixtures.statusNumbered)
        XCTAssertEqual(rows.count, 15)
        XCTAssertEqual(rows.map(\.number), Array(1...15))
        XCTAssertEqual(rows[0], UfwStatusRow(number: 1, to: "22/tcp", action: "ALLOW IN", from: "Anywhere", comment: ""))
        XCTAssertEqual(rows[2].to, "53 on eth0")
        XCTAssertEqual(rows[3].to, "WWW Full")
        XCTAssertEqual(rows[6], UfwStatusRow(number: 7, to: "80,443/tcp", action: "DENY IN", from: "Anywhere", comment: "cfsync lockdown"))
        XCTAssertEqual(rows[10].to, "53 (v6) on eth0")
        XCTAssertEqual(rows.filter(\.isCFSync).map(\.number), [5, 6, 7, 13, 14])
        XCTAssertEqual(rows.filter(\.isV6).map(\.number), [10, 11, 12, 13, 15], "a v6 source row shows no (v6) marker")
        XCTAssertEqual(rows[13].from, "2606:4700::/32")
        XCTAssertEqual(rows[1].text, "8080/tcp | ALLOW IN | 198.51.100.0/24 # monitoring")
    }

    func testIgnoresHeadersAndInactiveStatus() {
        XCTAssertEqual(UfwStatus.parse("Status: inactive\n"), [])
        XCTAssertEqual(UfwStatus.parse("     To                         Action      From\n     --                         ------      ----\n"), [])
    }
}
