import XCTest
@testable import CFSyncCore
final class SmokeTests: XCTestCase { func testVersion() { XCTAssertFalse(CFSyncCoreVersion.string.isEmpty) } }
