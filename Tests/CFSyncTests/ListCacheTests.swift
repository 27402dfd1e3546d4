import Foundation
import XCTest
@testable import CFSync

/// The accepted lists on disk: round trip, replacement, corruption caught.
final class ListCacheTests: XCTestCase {
    var base: URL!
    var dir: StateDirectory!
    var cache: ListCache!
    let when = Date(timeIntervalSince1970: 1_795_000_000)

    override func setUpWithError() throws {
        base = try ListServer.makeTempDir("cache")
        dir = StateDirectory(path: base.path)
        cache = ListCache(dir: dir)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: base)
    }

    private func list(_ url: String, _ text: String, etag: String? = nil) -> CachedList {
        CachedList(url: url, body: Array(text.utf8), etag: etag, fetchedAt: when)
    }

    func testEmptyUntilSomethingIsAccepted() throws {
        XCTAssertEqual(try cache.load(), [])
        XCTAssertNil(try cache.cached(url: "https://www.cloudflare.com/ips-v4"))
    }

    func testRoundTrip() throws {
        let lists = [
            list("https://www.cloudflare.com/ips-v4", "173.245.48.0/20\n", etag: "\"abc\""),
            list("https://www.cloudflare.com/ips-v6", "2400:cb00::/32\n"),
        ]
        try cache.store(lists)
        XCTAssertEqual(try cache.load(), lists)
        XCTAssertEqual(try cache.cached(url: "https://www.cloudflare.com/ips-v6"), lists[1])
        XCTAssertEqual(try dir.list("lists"), (["accepted.json"] + lists.map { "\($0.sha256).txt" }).sorted())
        let manifest = String(decoding: try XCTUnwrap(dir.read("lists/accepted.json")), as: UTF8.self)
        let stamp = ISO8601DateFormatter().string(from: when)
        XCTAssertTrue(manifest.contains("\"fetched_at\" : \"\(stamp)\""), manifest)
        XCTAssertFalse(manifest.contains("body"), manifest)
    }

    func testStoreReplacesTheSetAndDropsUnreferencedBodies() throws {
        let old = list("https://a/v4", "1.0.0.0/8\n")
        try cache.store([old])
        let new = list("https://a/v4", "2.0.0.0/8\n")
        try cache.store([new])
        XCTAssertEqual(try cache.load(), [new])
        XCTAssertEqual(try dir.list("lists"), ["\(new.sha256).txt", "accepted.json"].sorted())
    }

    func testCorruptedBodyIsDetected() throws {
        let entry = list("https://a/v4", "1.0.0.0/8\n")
        try cache.store([entry])
        try Data("6.6.6.0/24\n".utf8).write(to: base.appendingPathComponent("lists/\(entry.sha256).txt"))
        XCTAssertThrowsError(try cache.load()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("state dir \(base.path): lists/\(entry.sha256).txt is corrupt"), text)
            XCTAssertTrue(text.contains("https://a/v4"), text)
        }
    }

    func testMissingBodyIsDetected() throws {
        let entry = list("https://a/v4", "1.0.0.0/8\n")
        try cache.store([entry])
        try dir.remove("lists/\(entry.sha256).txt")
        XCTAssertThrowsError(try cache.load()) { error in
            XCTAssertTrue("\(error)".contains("is missing"), "\(error)")
        }
    }

    /// Fetch and guards read the cache before the lock; another run storing a new accepted
    /// set meanwhile removes the bodies of the old one. The reader follows the new manifest
    /// instead of failing with "missing" (seen in the concurrent-apply netfilter test).
    func testLoadDuringAConcurrentStoreSeesOneWholeSet() throws {
        let a = [list("https://x/ips-v4", "104.16.0.0/12\n"), list("https://x/ips-v6", "2606:4700::/32\n")]
        let b = [list("https://x/ips-v4", "104.16.0.0/13\n104.24.0.0/14\n"), list("https://x/ips-v6", "2400:cb00::/32\n")]
        try cache.store(a)
        let writer = DispatchGroup()
        DispatchQueue.global().async(group: writer) { [cache] in
            for i in 0..<300 { try? cache!.store(i % 2 == 0 ? b : a) }
        }
        var loads = 0
        while writer.wait(timeout: .now()) == .timedOut {
            let loaded = try cache.load()
            XCTAssertTrue(loaded == a || loaded == b, "a mix of two accepted sets: \(loaded)")
            loads += 1
        }
        XCTAssertGreaterThan(loads, 10)
    }

    func testCorruptManifestIsDetected() throws {
        try dir.write("lists/accepted.json", Array("{not json".utf8))
        XCTAssertThrowsError(try cache.load()) { error in
            XCTAssertEqual("\(error)", "state dir \(base.path): lists/accepted.json is corrupt (not the JSON cfsync writes); remove it to start over")
        }
        try dir.write("lists/accepted.json", Array(#"{"version":1,"lists":[{"url":"u","sha256":"../../x","fetched_at":"2026-11-17T00:00:00Z"}]}"#.utf8))
        XCTAssertThrowsError(try cache.load()) { error in
            XCTAssertTrue("\(error)".contains("invalid sha256"), "\(error)")
        }
    }

    func testStoreRefusesAMismatchedHashOrDuplicateURL() throws {
        var bad = list("https://a/v4", "1.0.0.0/8\n")
        bad.sha256 = SHA256Hex.of([0])
        XCTAssertThrowsError(try cache.store([bad]))
        let good = list("https://a/v4", "1.0.0.0/8\n")
        XCTAssertThrowsError(try cache.store([good, good]))
        XCTAssertEqual(try cache.load(), [])
    }
}
