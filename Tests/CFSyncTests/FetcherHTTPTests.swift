import Foundation
import XCTest
@testable import CFSync

/// The fetcher against a real local HTTP server that misbehaves on demand.
final class FetcherHTTPTests: XCTestCase {
    static let v4 = "173.245.48.0/20\n103.21.244.0/22\n103.22.200.0/22"
    static let v6 = "2400:cb00::/32\n2606:4700::/32"
    var server: ListServer!

    override func setUpWithError() throws {
        server = try ListServer(files: ["ips-v4": Self.v4, "ips-v6": Self.v6])
    }

    override func tearDown() {
        server.stop()
    }

    private func fetchOne(_ path: String, timeout: Double = 10, maxBytes: Int = 1 << 20,
                          ifNoneMatch: String? = nil) throws(FetchError) -> FetchResult {
        let results = try Fetcher(timeout: timeout, maxBytes: maxBytes)
            .fetch([FetchRequest(url: server.url(path), ifNoneMatch: ifNoneMatch)])
        return results[0]
    }

    private func expectFailure(_ path: String, timeout: Double = 10, maxBytes: Int = 1 << 20,
                               _ reason: FetchError.Reason, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let result = try fetchOne(path, timeout: timeout, maxBytes: maxBytes)
            XCTFail("expected \(reason), got \(result.body.count) bytes", file: file, line: line)
        } catch {
            XCTAssertEqual(error, FetchError(url: server.url(path), reason: reason), file: file, line: line)
        }
    }

    func testOKReturnsBodyHashAndETag() throws {
        let result = try fetchOne("ips-v4")
        XCTAssertEqual(result.body, Array(Self.v4.utf8))
        XCTAssertEqual(result.sha256, SHA256Hex.of(Array(Self.v4.utf8)))
        XCTAssertEqual(result.sha256.count, 64)
        XCTAssertFalse(result.notModified)
        let etag = try XCTUnwrap(result.etag)
        XCTAssertTrue(etag.hasPrefix("\"") && etag.hasSuffix("\""), etag)
    }

    func testMatchingIfNoneMatchGives304() throws {
        let first = try fetchOne("ips-v4")
        let second = try fetchOne("ips-v4", ifNoneMatch: first.etag)
        XCTAssertEqual(second, FetchResult(url: server.url("ips-v4"), body: [], sha256: "", etag: first.etag, notModified: true))
    }

    func testStaleIfNoneMatchGivesTheBody() throws {
        let result = try fetchOne("ips-v4", ifNoneMatch: "\"stale\"")
        XCTAssertFalse(result.notModified)
        XCTAssertEqual(result.body, Array(Self.v4.utf8))
    }

    func testUnrequested304IsAnError() {
        expectFailure("status/304", .httpStatus(304))
    }

    func testErrorStatuses() {
        expectFailure("status/404", .httpStatus(404))
        expectFailure("status/500", .httpStatus(500))
        expectFailure("nonexistent", .httpStatus(404))
        XCTAssertEqual(FetchError(url: server.url("status/404"), reason: .httpStatus(404)).description,
                       "fetch \(server.url("status/404")): HTTP 404")
    }

    func testHTMLIsFetchedAsIsForTheGuardsToRefuse() throws {
        let result = try fetchOne("html")
        XCTAssertTrue(String(decoding: result.body, as: UTF8.self).contains("<html>"))
    }

    func testSeveralRequestsComeBackInRequestOrder() throws {
        let results = try Fetcher(timeout: 10, maxBytes: 1 << 20).fetch([
            FetchRequest(url: server.url("slow/0.3/ips-v4")),
            FetchRequest(url: server.url("ips-v6")),
        ])
        XCTAssertEqual(results.map(\.body), [Array(Self.v4.utf8), Array(Self.v6.utf8)])
        XCTAssertEqual(results.map(\.url), [server.url("slow/0.3/ips-v4"), server.url("ips-v6")])
    }

    func testRequestsRunConcurrently() throws {
        let start = Date()
        let results = try Fetcher(timeout: 2.5, maxBytes: 1 << 20).fetch([
            FetchRequest(url: server.url("slow/1.5/ips-v4")),
            FetchRequest(url: server.url("slow/1.5/ips-v6")),
        ])
        XCTAssertEqual(results.count, 2)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.5)
    }

    func testSlowServerTimesOutOnTheTotalDeadline() {
        let start = Date()
        expectFailure("slow/5/ips-v4", timeout: 1, .timedOut(seconds: 1))
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertGreaterThan(elapsed, 0.9)
        XCTAssertLessThan(elapsed, 2.0)
    }

    func testDeadlineIsForTheWholeCallNotEachRequest() {
        let start = Date()
        let url = server.url("slow/1.5/ips-v6")
        XCTAssertThrowsError(try Fetcher(timeout: 1, maxBytes: 1 << 20).fetch([
            FetchRequest(url: server.url("slow/0.6/ips-v4")),
            FetchRequest(url: url),
        ])) { error in
            XCTAssertEqual(error as? FetchError, FetchError(url: url, reason: .timedOut(seconds: 1)))
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.0)
    }

    func testStalledBodyTimesOut() {
        let start = Date()
        expectFailure("stall/ips-v4", timeout: 1, .timedOut(seconds: 1))
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.0)
        XCTAssertEqual(FetchError(url: "u", reason: .timedOut(seconds: 30)).description,
                       "fetch u: no answer within 30 s (--timeout)")
    }

    func testChunkedBodyOverTheLimitStopsEarly() {
        let start = Date()
        // 2 GB: only an early stop finishes in time.
        expectFailure("big/2000000000", maxBytes: 1_048_576, .tooLarge(limit: 1_048_576))
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
        XCTAssertEqual(FetchError(url: "u", reason: .tooLarge(limit: 1_048_576)).description,
                       "fetch u: body larger than 1048576 bytes (--max-list-size)")
    }

    func testContentLengthOverTheLimitIsRefused() {
        expectFailure("big/2000000000?content-length=1", maxBytes: 1000, .tooLarge(limit: 1000))
    }

    func testBodyExactlyAtTheLimitIsAccepted() throws {
        XCTAssertEqual(try fetchOne("big/1000", maxBytes: 1000).body.count, 1000)
        expectFailure("big/1001", maxBytes: 1000, .tooLarge(limit: 1000))
    }

    func testConnectionRefused() {
        let url = "http://127.0.0.1:\(ListServer.closedPort())/ips-v4"
        XCTAssertThrowsError(try Fetcher(timeout: 5, maxBytes: 1000).fetch([FetchRequest(url: url)])) { error in
            XCTAssertEqual(error as? FetchError, FetchError(url: url, reason: .connection("connection refused")))
            XCTAssertEqual("\(error)", "fetch \(url): connection refused")
        }
    }

    func testFirstFailureWinsOverSlowSuccess() {
        let start = Date()
        XCTAssertThrowsError(try Fetcher(timeout: 10, maxBytes: 1 << 20).fetch([
            FetchRequest(url: server.url("slow/3/ips-v4")),
            FetchRequest(url: server.url("status/503")),
        ])) { error in
            XCTAssertEqual(error as? FetchError, FetchError(url: server.url("status/503"), reason: .httpStatus(503)))
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }
}
