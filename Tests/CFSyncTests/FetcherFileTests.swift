import Foundation
import XCTest
@testable import CFSync

/// file:// sources and URLs the fetcher refuses before sending anything.
final class FetcherFileTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try ListServer.makeTempDir("fetchfile")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: dir)
    }

    private func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = dir.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file.absoluteString
    }

    private func error(_ url: String, maxBytes: Int = 1 << 20) -> FetchError? {
        do {
            _ = try Fetcher(timeout: 5, maxBytes: maxBytes).fetch([FetchRequest(url: url)])
            return nil
        } catch {
            return error
        }
    }

    func testReadsAFile() throws {
        let body = Array("173.245.48.0/20\n".utf8)
        let url = try write("v4.txt", body)
        XCTAssertTrue(url.hasPrefix("file:///"))
        let results = try Fetcher(timeout: 5, maxBytes: 100).fetch([FetchRequest(url: url, ifNoneMatch: "\"x\"")])
        XCTAssertEqual(results, [FetchResult(url: url, body: body, sha256: SHA256Hex.of(body), etag: nil, notModified: false)])
    }

    func testMissingFile() {
        let url = dir.appendingPathComponent("absent").absoluteString
        XCTAssertEqual(error(url), FetchError(url: url, reason: .file("no such file")))
        XCTAssertEqual(error(url)?.description, "fetch \(url): no such file")
    }

    func testTooBigFile() throws {
        let url = try write("big.txt", Array(repeating: 0x41, count: 101))
        XCTAssertEqual(error(url, maxBytes: 100), FetchError(url: url, reason: .tooLarge(limit: 100)))
        XCTAssertNil(error(url, maxBytes: 101))
    }

    func testDirectoryIsRefused() {
        XCTAssertEqual(error(dir.absoluteString), FetchError(url: dir.absoluteString, reason: .file("is a directory")))
    }

    func testUnreadableFile() throws {
        try XCTSkipIf(geteuid() == 0, "root reads any file")
        let url = try write("secret.txt", [0x41])
        chmod(dir.appendingPathComponent("secret.txt").path, 0)
        XCTAssertEqual(error(url), FetchError(url: url, reason: .file("permission denied")))
    }

    func testRemoteFileHostIsRefused() {
        guard case .file = error("file://example.com/etc/hosts")?.reason else {
            return XCTFail("expected a file error")
        }
    }

    func testUnsupportedSchemes() {
        XCTAssertEqual(error("ftp://127.0.0.1/ips-v4"), FetchError(url: "ftp://127.0.0.1/ips-v4", reason: .unsupportedScheme("ftp")))
        XCTAssertEqual(error("ftp://127.0.0.1/ips-v4")?.description,
                       "fetch ftp://127.0.0.1/ips-v4: unsupported scheme \"ftp\" (http, https or file expected)")
        XCTAssertEqual(error("ips-v4"), FetchError(url: "ips-v4", reason: .unsupportedScheme("")))
    }

    func testBadURLFailsBeforeAnythingIsFetched() throws {
        let ok = try write("v4.txt", [0x41])
        XCTAssertThrowsError(try Fetcher(timeout: 5, maxBytes: 100).fetch([
            FetchRequest(url: ok), FetchRequest(url: "gopher://127.0.0.1/"),
        ])) { error in
            XCTAssertEqual(error as? FetchError, FetchError(url: "gopher://127.0.0.1/", reason: .unsupportedScheme("gopher")))
        }
    }

    func testNoRequestsNoResults() throws {
        XCTAssertEqual(try Fetcher(timeout: 1, maxBytes: 1).fetch([]), [])
    }
}
