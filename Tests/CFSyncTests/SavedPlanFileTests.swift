import CFSyncCore
import CFSyncTestSupport
import Foundation
import XCTest

@testable import CFSync

/// The plan file: a round trip keeps everything, and only a plan signed with the state
/// dir's key reads back; an edit, another key or a recomputed plain hash is refused (64).
final class SavedPlanFileTests: XCTestCase {
    var base: URL!
    var state: StateDirectory!
    var path: String { base.appendingPathComponent("plan.json").path }

    override func setUpWithError() throws {
        base = try ListServer.makeTempDir("plan-file")
        state = StateDirectory(path: base.appendingPathComponent("state").path)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: base)
    }

    func makePlan(body: [UInt8] = Array("104.16.0.0/13\n".utf8)) -> SavedPlan {
        let policy = Policy(mode: .allow, ports: [443, 8443], families: [.ipv4], forward: true, ipset: true)
        let plan = SyncPlan(policy: policy, desired: AddressLists(ipv4: v4("104.16.0.0/13", "192.168.1.0/24")), installed: .absent)
        let list = CachedList(family: .ipv4, url: "file:///x", format: .plain, body: body, etag: nil,
                              fetchedAt: Date(timeIntervalSince1970: 1_795_000_000.75))
        return SavedPlan(backend: .iptables, plan: plan, allow: [.ipv4(v4("192.168.1.0/24")[0])], installed: .empty,
                         installedDump: "", lists: [list])
    }

    func write(_ plan: SavedPlan) throws {
        try Data(try plan.fileBytes(report: Report(command: "plan"))).write(to: URL(fileURLWithPath: path))
    }

    func assertRefused(_ key: PlanKey?, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SavedPlan.read(path: path, key: key), file: file, line: line) { error in
            XCTAssertEqual((error as? CFSyncError)?.exit, .usage, "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(fragment), "\(error)", file: file, line: line)
        }
    }

    func testRoundTripKeepsTheWholePlanAndRejectsEdits() throws {
        let key = try PlanKey.make(in: state)
        var saved = makePlan()
        saved.sign(with: key)
        try write(saved)

        let read = try SavedPlan.read(path: path, key: key)
        XCTAssertEqual(read, saved)
        XCTAssertEqual(read.policy, saved.policy)
        XCTAssertEqual(read.allow, ["192.168.1.0/24"])
        XCTAssertEqual(StoredList.cached(read.lists).map(\.body), [Array("104.16.0.0/13\n".utf8)])

        let good = try String(contentsOfFile: path, encoding: .utf8)
        let edits = [
            good.replacingOccurrences(of: "\"ipset\" : true", with: "\"ipset\" : false"),
            good.replacingOccurrences(of: "192.168.1.0/24", with: "0.0.0.0/0"),
            good.replacingOccurrences(of: "\"family\" : \"ipv4\"", with: "\"family\" : \"ipv6\""),
        ]
        for edited in edits {
            XCTAssertNotEqual(edited, good)
            try edited.write(toFile: path, atomically: true, encoding: .utf8)
            assertRefused(key, "signature mismatch: edited after plan --out wrote it, or made with another state dir")
        }
    }

    /// The old checksum was a plain SHA-256 anyone could recompute after an edit.
    func testAnEditWithARecomputedHashIsStillRefused() throws {
        let key = try PlanKey.make(in: state)
        var edited = makePlan()
        edited.sign(with: key)
        edited.policy.ports = [0]
        edited.signature = SHA256Hex.of(edited.signedBytes)
        try write(edited)
        assertRefused(key, "signature mismatch")
    }

    func testAPlanOfAnotherStateDirIsForeign() throws {
        var saved = makePlan()
        saved.sign(with: try PlanKey.make(in: StateDirectory(path: base.appendingPathComponent("other").path)))
        try write(saved)
        assertRefused(try PlanKey.make(in: state), "made with another state dir")
        assertRefused(nil, "made with another state dir")
    }

    func testAnOlderFormatIsNamed() throws {
        try #"{"plan":{"format":1,"cfsync_version":"0.1.0","checksum":"x"}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        assertRefused(try PlanKey.make(in: state), "format 1 from cfsync 0.1.0; this cfsync reads format 2")
    }

    /// List bytes survive the plan file exactly (issue 15, point 6).
    func testABodyThatIsNotUTF8RoundTrips() throws {
        let key = try PlanKey.make(in: state)
        let body = Array("104.16.0.0/13\n# ".utf8) + [0xE9, 0xFE]
        var saved = makePlan(body: body)
        saved.sign(with: key)
        try write(saved)
        XCTAssertEqual(StoredList.cached(try SavedPlan.read(path: path, key: key).lists).first?.body, body)
    }

    func testTheKeyIsMadeOnceAndKeptPrivate() throws {
        XCTAssertNil(try PlanKey.existing(in: state))
        let first = try PlanKey.make(in: state)
        let second = try PlanKey.make(in: state)
        XCTAssertEqual(first.sign([1, 2, 3]), second.sign([1, 2, 3]))
        XCTAssertEqual(try state.read(PlanKey.file)?.count, 32)
        let mode = try FileManager.default.attributesOfItem(atPath: try state.fullPath(PlanKey.file))[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(try state.list("plans"), ["key"], "no draft left behind")
        XCTAssertTrue(first.verify(first.sign([1, 2, 3]), [1, 2, 3]))
        XCTAssertFalse(first.verify(first.sign([1, 2, 3]), [1, 2, 4]))
        XCTAssertFalse(first.verify("zz", [1, 2, 3]))
    }
}
