import Foundation
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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

    func testURLErrorMapping() {
        XCTAssertEqual(HTTPSource.reason(for: URLError(.cannotFindHost), timeout: 3), .connection("cannot resolve host name"))
        XCTAssertEqual(HTTPSource.reason(for: URLError(.dnsLookupFailed), timeout: 3), .connection("cannot resolve host name"))
        XCTAssertEqual(HTTPSource.reason(for: URLError(.timedOut), timeout: 3), .timedOut(seconds: 3))
        XCTAssertEqual(HTTPSource.reason(for: URLError(.cannotConnectToHost), timeout: 3), .connection("connection refused"))
        guard case .connection(let text) = HTTPSource.reason(for: URLError(.serverCertificateUntrusted), timeout: 3) else {
            return XCTFail("expected a connection reason")
        }
        XCTAssertTrue(text.hasPrefix("TLS failed"), text)
    }

    func testSHA256Hex() {
        XCTAssertEqual(SHA256Hex.of([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256Hex.of(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertTrue(SHA256Hex.isValid(SHA256Hex.of([1])))
        XCTAssertFalse(SHA256Hex.isValid("../../etc/passwd"))
        XCTAssertFalse(SHA256Hex.isValid(SHA256Hex.of([1]).uppercased()))
    }
}
