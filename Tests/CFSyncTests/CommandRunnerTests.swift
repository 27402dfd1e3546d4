import XCTest

@testable import CFSync

final class CommandRunnerTests: XCTestCase {
    func testPassesStdinAndCapturesBothStreams() throws {
        let big = String(repeating: "104.16.0.0/13\n", count: 50_000)
        let result = try SystemCommandRunner().run(["sh", "-c", "cat; echo oops >&2; exit 3"], stdin: big)
        XCTAssertEqual(result.status, 3)
        XCTAssertEqual(result.stdout, big)
        XCTAssertEqual(result.stderr, "oops\n")
    }

    func testCheckQuotesTheToolsMessage() {
        XCTAssertThrowsError(try SystemCommandRunner().check(["sh", "-c", "echo 'iptables-restore: line 3 failed' >&2; exit 1"])) { error in
            XCTAssertEqual((error as? CFSyncError)?.message, "sh -c echo 'iptables-restore: line 3 failed' >&2; exit 1 exited 1: iptables-restore: line 3 failed")
        }
        XCTAssertThrowsError(try SystemCommandRunner().run(["no-such-tool-cfsync"])) { error in
            XCTAssertEqual((error as? CFSyncError)?.message, "no-such-tool-cfsync is not installed (looked in /usr/sbin:/usr/bin:/sbin:/bin)")
        }
    }
}
