import CFSyncCore
import Foundation
import XCTest
@testable import CFSync

/// `last-repair.json`: what `status` shows and where the metrics' counter continues from.
final class RepairLogTests: XCTestCase {
    var base: URL!
    var log: RepairLog!

    override func setUpWithError() throws {
        base = try ListServer.makeTempDir("repairs")
        log = RepairLog(dir: StateDirectory(path: base.path))
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: base)
    }

    func testRecordsTheLastRepairAndCountsOn() throws {
        XCTAssertNil(try log.last())
        let first = try log.record(["create table inet cfsync"], at: Date(timeIntervalSince1970: 1_796_212_800))
        XCTAssertEqual(first.total, 1)
        let second = try log.record(["ipv4: 1 prefix missing"], at: Date(timeIntervalSince1970: 1_796_212_860))
        XCTAssertEqual(try log.last(), second)
        XCTAssertEqual(second.total, 2)
    }

    func testADamagedRecordIsOneLineForStatusAndTheCountStartsAgain() throws {
        try Data("{not json".utf8).write(to: base.appendingPathComponent(RepairLog.file))
        XCTAssertThrowsError(try log.last()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("last-repair.json is damaged"), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
        XCTAssertEqual(try log.record(["create table inet cfsync"], at: Date()).total, 1)
    }
}
