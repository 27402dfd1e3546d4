import Foundation
import XCTest
@testable import CFSync

/// The variables a run reads one by one agree with the whole environment Foundation sees.
final class ProcessEnvironmentTests: XCTestCase {
    func testNamedReturnsTheSetVariablesOnly() {
        setenv("CFSYNC_TEST_SET", "a=b c", 1)
        setenv("CFSYNC_TEST_EMPTY", "", 1)
        unsetenv("CFSYNC_TEST_UNSET")
        defer {
            unsetenv("CFSYNC_TEST_SET")
            unsetenv("CFSYNC_TEST_EMPTY")
        }
        let names = ["CFSYNC_TEST_SET", "CFSYNC_TEST_EMPTY", "CFSYNC_TEST_UNSET", "PATH"]
        let found = ProcessEnvironment.named(names)
        XCTAssertEqual(found["CFSYNC_TEST_SET"], "a=b c")
        XCTAssertEqual(found["CFSYNC_TEST_EMPTY"], "")
        XCTAssertNil(found["CFSYNC_TEST_UNSET"])
        let whole = ProcessInfo.processInfo.environment
        XCTAssertEqual(found, whole.filter { names.contains($0.key) })
    }
}
