import CFSyncCore
import XCTest

final class UfwSnapshotTests: XCTestCase {
    func testParsesSectionsAndRefusesForeignRules() throws {
        let dump = """
            # user.rules
            ### tuple ### allow tcp 443 0.0.0.0/0 any 104.16.0.0/12 in comment=636673796e63
            -A ufw-user-input -p tcp --dport 443 -s 104.16.0.0/12 -j ACCEPT
            # user6.rules
            ### tuple ### allow tcp 443 ::/0 any 2606:4700::/32 in comment=636673796e63
            -A ufw6-user-input -p tcp --dport 443 -s 2606:4700::/32 -j ACCEPT

            """
        let parsed = try UfwSnapshot.parse(dump)
        XCTAssertEqual(parsed[.ipv4]?.map(\.lines.count), [2])
        XCTAssertEqual(parsed[.ipv6]?.first?.rule.src, "2606:4700::/32")
        XCTAssertEqual(try UfwSnapshot.parse(""), [:])
        XCTAssertThrowsError(try UfwSnapshot.parse("# user.rules\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n")) {
            XCTAssertEqual("\($0)", "ufw snapshot line 2: not a cfsync rule")
        }
        XCTAssertThrowsError(try UfwSnapshot.parse("# user.rules\n-A ufw-user-input -j ACCEPT\n"))
        XCTAssertThrowsError(try UfwSnapshot.parse("# other.rules\n"))
    }
}
