import CFSyncCore
import XCTest

final class RepairRateLimitTests: XCTestCase {
    func testTheEleventhRepairWithinAMinuteIsAFight() {
        var limit = RepairRateLimit.standard
        for second in 0..<10 { XCTAssertFalse(limit.exceeded(afterRepairAt: Double(second) * 5), "repair \(second + 1)") }
        XCTAssertTrue(limit.exceeded(afterRepairAt: 59))
    }

    func testRepairsOlderThanTheWindowNoLongerCount() {
        var limit = RepairRateLimit(limit: 2, window: 60)
        XCTAssertFalse(limit.exceeded(afterRepairAt: 0))
        XCTAssertFalse(limit.exceeded(afterRepairAt: 30))
        XCTAssertFalse(limit.exceeded(afterRepairAt: 60), "the repair at 0 s left the window")
        XCTAssertTrue(limit.exceeded(afterRepairAt: 61))
    }
}
