import Foundation
import XCTest
@testable import CFSync

/// Redirects through libcurl: followed within http(s), never to another scheme (a
/// redirect to file:// must not read local files), and the ETag is the final answer's.
final class FetcherRedirectTests: XCTestCase {
    static let v4 = "173.245.48.0/20\n103.21.244.0/22"
    var server: ListServer!

    override func setUpWithError() throws {
        server = try ListServer(files: ["ips-v4": Self.v4])
    }

    override func tearDown() {
        server.stop()
    }

    private func redirect(_ code: Int, to target: String) -> String {
        let query = target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? target
        return server.url("redirect/\(code)?to=\(query)")
    }

    func testHTTPRedirectIsFollowed() throws {
        for code in [301, 302, 307, 308] {
            let url = redirect(code, to: server.url("ips-v4"))
            let result = try Fetcher(timeout: 5, maxBytes: 1 << 20).fetch([FetchRequest(url: url)])[0]
            XCTAssertEqual(result.url, url)
            XCTAssertEqual(result.body, Array(Self.v4.utf8))
            XCTAssertNotNil(result.etag)
        }
    }

    func testRedirectToAnotherSchemeIsRefused() {
        for target in ["file:///etc/passwd", "ftp://127.0.0.1/ips-v4"] {
            let url = redirect(302, to: target)
            XCTAssertThrowsError(try Fetcher(timeout: 5, maxBytes: 1 << 20).fetch([FetchRequest(url: url)])) { error in
                guard case .connection(let text) = (error as? FetchError)?.reason else {
                    return XCTFail("expected a connection error, got \(error)")
                }
                XCTAssertTrue(text.hasPrefix("redirect to ") && text.contains("refused"), text)
            }
        }
    }

    func testRedirectWithoutLocationIsAnHTTPError() {
        XCTAssertThrowsError(try Fetcher(timeout: 5, maxBytes: 1 << 20).fetch([FetchRequest(url: server.url("status/302"))])) { error in
            XCTAssertEqual(error as? FetchError, FetchError(url: server.url("status/302"), reason: .httpStatus(302)))
        }
    }
}
