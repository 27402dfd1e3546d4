import CCurlLoader
import Foundation
import XCTest
@testable import CFSync

/// One-line error texts, and transport errors we cannot provoke on loopback (DNS).
final class FetchErrorTests: XCTestCase {
    func testDescriptionsAreOneLineAndNameTheURL() {
        let url = "http://127.0.0.1:8080/ips-v4"
        let reasons: [FetchError.Reason] = [
            .httpStatus(404), .tooLarge(limit: 1_048_576), .timedOut(seconds: 0.5),
            .connection("connection refused"), .unsupportedScheme("ftp"), .unsupportedScheme(""), .file("no such file"),
        ]
        for reason in reasons {
            let text = FetchError(url: url, reason: reason).description
            XCTAssertTrue(text.hasPrefix("fetch \(url): "), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
        XCTAssertEqual(FetchError(url: url, reason: .timedOut(seconds: 0.5)).description,
                       "fetch \(url): no answer within 0.5 s (--timeout)")
    }

    func testCurlErrorMapping() {
        func reason(_ code: CURLcode, errno: Int32 = 0, detail: String = "", redirect: Int? = nil,
                    target: String? = nil) -> FetchError.Reason {
            CurlFailure.reason(code, osErrno: errno, detail: detail, redirectStatus: redirect, target: target, timeout: 3)
        }
        XCTAssertEqual(reason(CURLE_COULDNT_RESOLVE_HOST), .connection("cannot resolve host name"))
        XCTAssertEqual(reason(CURLE_OPERATION_TIMEDOUT), .timedOut(seconds: 3))
        XCTAssertEqual(reason(CURLE_COULDNT_CONNECT, errno: ECONNREFUSED), .connection("connection refused"))
        XCTAssertEqual(reason(CURLE_COULDNT_CONNECT, errno: ENETUNREACH), .connection("network unreachable"))
        XCTAssertEqual(reason(CURLE_UNSUPPORTED_PROTOCOL, redirect: 302, target: "http://example.com/"),
                       .connection("redirect to http://example.com/ refused (only http(s) without a downgrade from https)"))
        guard case .connection(let text) = reason(CURLE_PEER_FAILED_VERIFICATION, detail: "SSL certificate problem:\nself-signed") else {
            return XCTFail("expected a connection reason")
        }
        XCTAssertEqual(text, "TLS failed: SSL certificate problem: self-signed")
    }

    func testMissingLibcurlIsOneLineSayingWhatToInstall() throws {
        let detail = try XCTUnwrap(CurlLibrary.load(named: "libcurl-cfsync-test-absent.so.4"))
        XCTAssertTrue(detail.contains("libcurl-cfsync-test-absent.so.4"), detail)
        let text = FetchError(url: "https://www.cloudflare.com/ips-v4",
                              reason: .connection(CurlLibrary.missing(scheme: "https", detail: detail))).description
        XCTAssertTrue(text.hasPrefix("fetch https://www.cloudflare.com/ips-v4: https:// needs libcurl4 (apt-get install libcurl4): "), text)
        XCTAssertFalse(text.contains("\n"), text)
        // A failed load leaves the real library usable, and a missing one stays missing.
        XCTAssertNil(CurlLibrary.load(named: CurlLibrary.name))
        XCTAssertNotNil(CurlLibrary.load(named: "libcurl-cfsync-test-absent.so.4"))
    }

    func testSHA256Hex() {
        XCTAssertEqual(SHA256Hex.of([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256Hex.of(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertTrue(SHA256Hex.isValid(SHA256Hex.of([1])))
        XCTAssertFalse(SHA256Hex.isValid("../../etc/passwd"))
        XCTAssertFalse(SHA256Hex.isValid(SHA256Hex.of([1]).uppercased()))
    }
}
