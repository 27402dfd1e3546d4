import CFSyncCore
import Foundation
import XCTest
@testable import CFSync

/// The accepted lists on disk, one per family: round trip, replacement, corruption caught,
/// and a version 1 state dir (lists kept by URL) read on upgrade.
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

    private func list(_ family: Family, _ url: String, _ text: String, format: ListFormat = .plain, etag: String? = nil) -> CachedList {
        CachedList(family: family, url: url, format: format, body: Array(text.utf8), etag: etag, fetchedAt: when)
    }

    func testEmptyUntilSomethingIsAccepted() throws {
        XCTAssertEqual(try cache.load(), [])
    }

    func testRoundTrip() throws {
        let lists = [
            list(.ipv4, "https://www.cloudflare.com/ips-v4", "173.245.48.0/20\n", etag: "\"abc\""),
            list(.ipv6, "https://www.cloudflare.com/ips-v6", "2400:cb00::/32\n"),
        ]
        try cache.store(lists)
        XCTAssertEqual(try cache.load(), lists)
        XCTAssertEqual(try dir.list("lists"), (["accepted.json"] + lists.map { "\($0.sha256).txt" }).sorted())
        let manifest = String(decoding: try XCTUnwrap(dir.read("lists/accepted.json")), as: UTF8.self)
        let stamp = ISO8601DateFormatter().string(from: when)
        for fragment in ["\"version\" : 2", "\"fetched_at\" : \"\(stamp)\"", "\"family\" : \"ipv6\"", "\"format\" : \"plain\""] {
            XCTAssertTrue(manifest.contains(fragment), "\(fragment) not in \(manifest)")
        }
        XCTAssertFalse(manifest.contains("body"), manifest)
    }

    /// Cloudflare's JSON API answers both families in one body: one file, two entries.
    func testOneAPIBodyServesBothFamilies() throws {
        let body = #"{"result":{"ipv4_cidrs":["104.16.0.0/12"],"ipv6_cidrs":["2606:4700::/32"]},"success":true}"#
        let lists = [Family.ipv4, .ipv6].map { list($0, "https://api/ips", body, format: .cloudflareAPI, etag: "e1") }
        try cache.store(lists)
        XCTAssertEqual(try cache.load(), lists)
        XCTAssertEqual(try dir.list("lists"), ["\(lists[0].sha256).txt", "accepted.json"].sorted())
    }

    func testStoreReplacesTheSetAndDropsUnreferencedBodies() throws {
        try cache.store([list(.ipv4, "https://a/v4", "1.0.0.0/8\n"), list(.ipv6, "https://a/v6", "2606:4700::/32\n")])
        let new = list(.ipv4, "https://b/v4", "2.0.0.0/8\n")
        try cache.store([new])
        XCTAssertEqual(try cache.load(), [new])
        XCTAssertEqual(try dir.list("lists"), ["\(new.sha256).txt", "accepted.json"].sorted())
    }

    func testCorruptedBodyIsDetected() throws {
        let entry = list(.ipv4, "https://a/v4", "1.0.0.0/8\n")
        try cache.store([entry])
        try Data("6.6.6.0/24\n".utf8).write(to: base.appendingPathComponent("lists/\(entry.sha256).txt"))
        XCTAssertThrowsError(try cache.load()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("state dir \(base.path): lists/\(entry.sha256).txt is corrupt"), text)
            XCTAssertTrue(text.contains("https://a/v4"), text)
        }
    }

    func testMissingBodyIsDetected() throws {
        let entry = list(.ipv4, "https://a/v4", "1.0.0.0/8\n")
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
        let a = [list(.ipv4, "https://x/ips-v4", "104.16.0.0/12\n"), list(.ipv6, "https://x/ips-v6", "2606:4700::/32\n")]
        let b = [list(.ipv4, "https://x/ips-v4", "104.16.0.0/13\n104.24.0.0/14\n"), list(.ipv6, "https://x/ips-v6", "2400:cb00::/32\n")]
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
        try dir.write("lists/accepted.json", Array(#"{"version":2,"lists":[{"family":"ipv4","url":"u","format":"plain","sha256":"../../x","fetched_at":"2026-11-17T00:00:00Z"}]}"#.utf8))
        XCTAssertThrowsError(try cache.load()) { error in
            XCTAssertTrue("\(error)".contains("invalid sha256"), "\(error)")
        }
        try dir.write("lists/accepted.json", Array(#"{"version":3,"lists":[]}"#.utf8))
        XCTAssertThrowsError(try cache.load()) { error in
            XCTAssertTrue("\(error)".contains("has version 3; this cfsync reads versions 1 and 2"), "\(error)")
        }
    }

    func testStoreRefusesAMismatchedHashOrTwoListsOfOneFamily() throws {
        var bad = list(.ipv4, "https://a/v4", "1.0.0.0/8\n")
        bad.sha256 = SHA256Hex.of([0])
        XCTAssertThrowsError(try cache.store([bad]))
        let good = list(.ipv4, "https://a/v4", "1.0.0.0/8\n")
        XCTAssertThrowsError(try cache.store([good, list(.ipv4, "https://b/v4", "2.0.0.0/8\n")])) { error in
            XCTAssertTrue("\(error)".contains("two IPv4 lists"), "\(error)")
        }
        XCTAssertEqual(try cache.load(), [])
    }

    // MARK: version 1

    /// Writes a version 1 state dir as cfsync wrote it before lists were kept per family.
    private func writeVersion1(_ entries: [(url: String, body: String, fetchedAt: String)]) throws {
        var lines: [String] = []
        for entry in entries {
            let bytes = Array(entry.body.utf8)
            try dir.write("lists/\(SHA256Hex.of(bytes)).txt", bytes)
            lines.append(#"{"etag":"e","fetched_at":"\#(entry.fetchedAt)","sha256":"\#(SHA256Hex.of(bytes))","url":"\#(entry.url)"}"#)
        }
        try dir.write("lists/accepted.json", Array(#"{"lists":[\#(lines.joined(separator: ","))],"version":1}"#.utf8))
    }

    /// An upgraded host keeps its lists: each body tells its family and format; a body the
    /// guards refuse now is dropped; of two bodies for one family the newer is kept.
    func testReadsAVersion1ManifestByParsingEachBody() throws {
        try writeVersion1([
            (url: "https://old/ips-v4", body: "104.16.0.0/12\n", fetchedAt: "2026-11-01T00:00:00Z"),
            (url: "https://www.cloudflare.com/ips-v4", body: "104.16.0.0/12\n173.245.48.0/20", fetchedAt: "2026-11-02T00:00:00Z"),
            (url: "https://www.cloudflare.com/ips-v6", body: "2606:4700::/32", fetchedAt: "2026-11-02T00:00:00Z"),
            (url: "https://broken", body: "<html>", fetchedAt: "2026-11-03T00:00:00Z"),
        ])
        let loaded = try cache.load()
        XCTAssertEqual(loaded.map(\.family), [.ipv4, .ipv6])
        XCTAssertEqual(loaded.map(\.url), ["https://www.cloudflare.com/ips-v4", "https://www.cloudflare.com/ips-v6"])
        XCTAssertEqual(loaded.map(\.format), [.plain, .plain])
        XCTAssertEqual(loaded.map(\.etag), ["e", "e"])
        XCTAssertEqual(String(decoding: loaded[0].body, as: UTF8.self), "104.16.0.0/12\n173.245.48.0/20")

        // The next store writes version 2 and drops the bodies nothing names.
        try cache.store(loaded)
        XCTAssertEqual(try cache.load(), loaded)
        XCTAssertTrue(String(decoding: try XCTUnwrap(dir.read("lists/accepted.json")), as: UTF8.self).contains("\"version\" : 2"))
        XCTAssertEqual(try dir.list("lists").count, 3)
    }

    func testReadsAVersion1APIBodyAsBothFamilies() throws {
        let body = #"{"result":{"ipv4_cidrs":["104.16.0.0/12"],"ipv6_cidrs":["2606:4700::/32"]},"success":true}"#
        try writeVersion1([(url: "https://api/ips", body: body, fetchedAt: "2026-11-02T00:00:00Z")])
        let loaded = try cache.load()
        XCTAssertEqual(loaded.map(\.family), [.ipv4, .ipv6])
        XCTAssertEqual(loaded.map(\.format), [.cloudflareAPI, .cloudflareAPI])
        XCTAssertEqual(Set(loaded.map(\.sha256)).count, 1)
    }
}
