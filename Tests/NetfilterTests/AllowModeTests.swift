import Foundation
import XCTest

/// Scenario 7: `--mode allow` only adds accepts; the host's default policy decides the rest.
final class AllowModeTests: NetfilterTestCase {
    func testAllowModeAddsNoDropRule() throws {
        let run = try applyGoodLists(["--mode", "allow"])
        XCTAssertEqual(run.string("mode"), "allow", "\(run)")

        let table = try origin.nftTable("inet", "cfsync")
        XCTAssertFalse(table.contains("drop"), "allow mode installed a drop rule:\n\(table)")
        XCTAssertTrue(table.contains("@allow_v4 accept"), "no accept rule for the v4 set:\n\(table)")
        XCTAssertTrue(table.contains("@allow_v6 accept"), "no accept rule for the v6 set:\n\(table)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.goodV4.sorted())
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v6"), Self.goodV6.sorted())

        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443)
        try assertConnects(from: Address.clientListedV6, to: Address.originListedV6, port: 443)
        try assertConnects(from: Address.clientUnlistedV6, to: Address.originUnlistedV6, port: 443)

        let again = try cfsync("apply", ["--mode", "allow", "--detailed-exitcode"])
        XCTAssertEqual(again.status, 0, "\(again)")
    }
}
