import Foundation
import XCTest
@testable import CFSync

/// Rotation orders snapshots by their id's timestamp without reading them, and reads only
/// the ids that share the second at the `keep` boundary.
final class SnapshotRotationTests: XCTestCase {
    var base: URL!
    var dir: StateDirectory!

    override func setUpWithError() throws {
        base = try ListServer.makeTempDir("snapshots")
        dir = StateDirectory(path: base.appendingPathComponent("state").path)
        try dir.ensureExists()
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: base)
    }

    private func save(_ id: String, createdAt seconds: Double, keep: Int) throws {
        let snapshot = Snapshot(id: id, created: Date(timeIntervalSince1970: seconds), command: "apply",
                                backend: .nftables, ruleset: "table inet cfsync {\n}\n", lists: [])
        try SnapshotStore(dir: dir, keep: keep).save(snapshot)
    }

    private func kept() throws -> [String] {
        try SnapshotStore(dir: dir, keep: 100).list().snapshots.map(\.id)
    }

    func testKeepsTheNewestByTimestamp() throws {
        for (i, second) in ["01", "02", "03", "04", "05"].enumerated() {
            try save("20261125T1200\(second)Z-00a\(i)", createdAt: 1_000 + Double(i), keep: 3)
        }
        XCTAssertEqual(try kept(), ["20261125T120005Z-00a4", "20261125T120004Z-00a3", "20261125T120003Z-00a2"])
    }

    /// Three snapshots in one second whose random suffixes sort against their order: the
    /// `created` time (milliseconds) decides which of the tied ones go.
    func testTiesWithinASecondGoByCreatedTime() throws {
        try save("20261125T120000Z-0000", createdAt: 999, keep: 2)
        try save("20261125T120001Z-ffff", createdAt: 1_000.1, keep: 2)
        try save("20261125T120001Z-0001", createdAt: 1_000.2, keep: 2)
        try save("20261125T120001Z-8000", createdAt: 1_000.3, keep: 2)
        XCTAssertEqual(try kept(), ["20261125T120001Z-8000", "20261125T120001Z-0001"])
    }

    /// A damaged file is not read to be rotated: it goes when it is old enough, and one
    /// still within `keep` stays, listed as damaged.
    func testDamagedFilesAgeOutLikeOthers() throws {
        try dir.write("snapshots/20261125T110000Z-dead.json", Array("{not json".utf8))
        try save("20261125T120000Z-0001", createdAt: 1_000, keep: 2)
        XCTAssertEqual(try SnapshotStore(dir: dir, keep: 100).list().damaged.map(\.id), ["20261125T110000Z-dead"])
        try save("20261125T120001Z-0002", createdAt: 1_001, keep: 2)
        XCTAssertEqual(try SnapshotStore(dir: dir, keep: 100).list().damaged.map(\.id), [])
        XCTAssertEqual(try kept(), ["20261125T120001Z-0002", "20261125T120000Z-0001"])
    }

    /// `rollback` without an id restores the newest snapshot: by the id's second, then by
    /// `created` within it.
    func testNewestIsByTimestampThenCreated() throws {
        try save("20261125T120000Z-0000", createdAt: 999, keep: 10)
        try save("20261125T120001Z-ffff", createdAt: 1_000.2, keep: 10)
        try save("20261125T120001Z-0001", createdAt: 1_000.1, keep: 10)
        XCTAssertEqual(try SnapshotStore(dir: dir, keep: 10).load(nil).id, "20261125T120001Z-ffff")
    }

    /// A damaged newest snapshot is never passed over for an older state: refused, naming
    /// the newest intact one.
    func testADamagedNewestSnapshotIsRefusedNamingTheNewestIntact() throws {
        try save("20261125T120000Z-0000", createdAt: 999, keep: 10)
        try save("20261125T120001Z-ffff", createdAt: 1_000.2, keep: 10)
        try dir.write("snapshots/20261125T120002Z-dead.json", Array("{not json".utf8))
        XCTAssertThrowsError(try SnapshotStore(dir: dir, keep: 10).load(nil)) { error in
            XCTAssertTrue("\(error)".contains("the newest snapshot 20261125T120002Z-dead is damaged"), "\(error)")
            XCTAssertTrue("\(error)".contains("The newest intact snapshot is 20261125T120001Z-ffff"), "\(error)")
        }
    }

    func testNewestOfOnlyDamagedSnapshotsSaysSo() throws {
        try dir.write("snapshots/20261125T120002Z-dead.json", Array("{not json".utf8))
        XCTAssertThrowsError(try SnapshotStore(dir: dir, keep: 10).load(nil)) { error in
            XCTAssertTrue("\(error)".contains("20261125T120002Z-dead"), "\(error)")
        }
    }
}
