import CFSyncCore
import Foundation
import XCTest

@testable import CFSync

/// Lists inside snapshots and saved plans: their bytes survive exactly, and what older
/// versions wrote still reads back intact.
final class StoredListTests: XCTestCase {
    var base: URL!

    override func setUpWithError() throws {
        base = try ListServer.makeTempDir("stored")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: base)
    }

    /// Issue 15, point 6: a body with a byte that is not UTF-8 made every later snapshot
    /// "damaged (checksum mismatch)", because the body was kept as a lossy String.
    func testABodyThatIsNotUTF8SurvivesASnapshotByteForByte() throws {
        let body = Array("104.16.0.0/12\n# caf".utf8) + [0xE9, 0xFF, 0x00] + Array("\r\n173.245.48.0/20".utf8)
        let list = CachedList(family: .ipv4, url: "https://x/ips-v4", format: .plain, body: body, etag: "\"e\"",
                              fetchedAt: Date(timeIntervalSince1970: 1_795_000_000))
        let store = SnapshotStore(dir: StateDirectory(path: base.path))
        let snapshot = Snapshot(id: Snapshot.makeID(Date()), created: Date(), command: "apply", backend: .nftables,
                                ruleset: "table inet cfsync {}\n", lists: [list])
        try store.save(snapshot)

        let read = try store.load(snapshot.id)
        XCTAssertTrue(read.isIntact)
        XCTAssertEqual(read.cachedLists, [list])
        XCTAssertEqual(read.cachedLists.first?.body, body)
    }

    func testUTF8BodiesStayReadableText() throws {
        let list = CachedList(family: .ipv6, url: "https://x/ips-v6", format: .plain, body: Array("2606:4700::/32\r\n# ✓".utf8),
                              etag: nil, fetchedAt: Date(timeIntervalSince1970: 0))
        let json = String(decoding: try JSONEncoder().encode(StoredList(list)), as: UTF8.self)
        XCTAssertTrue(json.contains(#""body":"2606:4700::\/32\r\n# ✓""#), json)
        XCTAssertFalse(json.contains("body_base64"), json)
    }

    /// A list as snapshots held it before families were recorded: its checksum is computed
    /// as it was then, and its family and format come from its body.
    func testAListWithoutFamilyReadsAsBefore() throws {
        let body = #"{"result":{"ipv4_cidrs":["104.16.0.0/12"],"ipv6_cidrs":["2606:4700::/32"]},"success":true}"#
        let sha = SHA256Hex.of(Array(body.utf8))
        let json = #"{"url":"https://api/ips","sha256":"\#(sha)","etag":"e1","fetched_at":"2026-11-02T00:00:00Z","body":\#(String(decoding: try JSONEncoder().encode(body), as: UTF8.self))}"#
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let legacy = try decoder.decode(StoredList.self, from: Data(json.utf8))
        XCTAssertTrue(legacy.isIntact)

        var before = ""
        for field in ["cfsync-snapshot 1", "id"] + ["https://api/ips", sha, "e1", body] {
            before += "\(field.utf8.count):\(field)\n"
        }
        XCTAssertEqual(StoredList.checksum(header: ["cfsync-snapshot 1", "id"], lists: [legacy]), SHA256Hex.of(Array(before.utf8)))

        let cached = StoredList.cached([legacy])
        XCTAssertEqual(cached.map(\.family), [.ipv4, .ipv6])
        XCTAssertEqual(cached.map(\.format), [.cloudflareAPI, .cloudflareAPI])
        XCTAssertEqual(cached.map(\.url), ["https://api/ips", "https://api/ips"])
    }

    func testAnEditedFamilyChangesTheChecksum() {
        let list = StoredList(CachedList(family: .ipv4, url: "u", format: .plain, body: Array("1.0.0.0/8".utf8), etag: nil,
                                         fetchedAt: Date(timeIntervalSince1970: 0)))
        var edited = list
        edited.family = .ipv6
        XCTAssertNotEqual(StoredList.checksum(header: [], lists: [list]), StoredList.checksum(header: [], lists: [edited]))
        edited.family = nil
        XCTAssertFalse(edited.isIntact, "a family without a format")
    }
}
