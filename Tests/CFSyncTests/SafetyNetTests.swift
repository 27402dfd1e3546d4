import CFSyncCore
import CFSyncTestSupport
import Foundation
import XCTest

@testable import CFSync

/// The snapshot / restore path of `apply`, `rollback` and `remove`, against a
/// backend that can fail half-way.
final class SafetyNetTests: XCTestCase {
    var dir: URL!
    var settings = Settings()

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfsync-safety-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        settings.stateDir = dir.appendingPathComponent("state").path
        try writeLists(v4: "104.16.0.0/12\n173.245.48.0/20\n", v6: "2606:4700::/32\n")
        settings.sourceV4 = "file://" + dir.appendingPathComponent("v4").path
        settings.sourceV6 = "file://" + dir.appendingPathComponent("v6").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func writeLists(v4: String, v6: String) throws {
        try v4.write(to: dir.appendingPathComponent("v4"), atomically: true, encoding: .utf8)
        try v6.write(to: dir.appendingPathComponent("v6"), atomically: true, encoding: .utf8)
    }

    /// Allow mode on nftables says that an accept in cfsync's table overrides no other table's
    /// drop; lockdown, and allow mode on the other backends, say nothing of it.
    func testAllowModeCaveatIsDecidedPerBackend() throws {
        let caveat = "allow mode: an accept in table inet cfsync does not override a drop in another table; the host's own rules decide the rest"
        for mode in Mode.allCases {
            for kind in BackendKind.allCases {
                let fake = FakeBackend()
                fake.kind = kind
                settings.mode = mode
                let warned = Syncer(settings: settings, backend: fake).plan().report.warnings.contains(caveat)
                XCTAssertEqual(warned, mode == .allow && kind == .nftables, "\(mode) \(kind)")
            }
        }
    }

    func testHalfWayFailureRestoresTheSnapshotExactly() throws {
        let fake = FakeBackend()
        XCTAssertEqual(Syncer(settings: settings, backend: fake).apply().exit, .success)
        let before = try fake.snapshot()
        let acceptedBefore = try ListCache(dir: StateDirectory(path: settings.stateDir)).load()

        try writeLists(v4: "104.16.0.0/13\n104.24.0.0/14\n173.245.48.0/20\n", v6: "2606:4700::/32\n2400:cb00::/32\n")
        fake.failHalfWay = true
        let outcome = Syncer(settings: settings, backend: fake).apply()

        XCTAssertEqual(outcome.exit, .error)
        XCTAssertEqual(outcome.report.result, .error)
        let message = try XCTUnwrap(outcome.report.error)
        XCTAssertTrue(message.hasPrefix("fake backend failed half-way; restored snapshot "), message)
        XCTAssertEqual(try fake.snapshot(), before)
        XCTAssertEqual(try ListCache(dir: StateDirectory(path: settings.stateDir)).load(), acceptedBefore)
    }

    func testRollbackAndRollbackOfRollback() throws {
        let fake = FakeBackend()
        _ = Syncer(settings: settings, backend: fake).apply()
        let first = try fake.snapshot()
        try writeLists(v4: "104.16.0.0/13\n104.24.0.0/14\n173.245.48.0/20\n", v6: "2606:4700::/32\n")
        XCTAssertEqual(Syncer(settings: settings, backend: fake).apply().report.result, .applied)
        let second = try fake.snapshot()
        XCTAssertNotEqual(first, second)

        XCTAssertEqual(Syncer(settings: settings, backend: fake).rollback(to: nil).report.result, .rolledBack)
        XCTAssertEqual(try fake.snapshot(), first)
        XCTAssertEqual(Syncer(settings: settings, backend: fake).rollback(to: nil).report.result, .rolledBack)
        XCTAssertEqual(try fake.snapshot(), second)
    }

    func testRemoveSnapshotsFirstAndLeavesNothing() throws {
        let fake = FakeBackend()
        _ = Syncer(settings: settings, backend: fake).apply()
        let outcome = Syncer(settings: settings, backend: fake).remove()
        XCTAssertEqual(outcome.report.result, .removed)
        XCTAssertTrue(outcome.report.changed)
        XCTAssertEqual(try fake.snapshot(), "")
        let snapshot = try SnapshotStore(dir: StateDirectory(path: settings.stateDir)).load(outcome.report.snapshot)
        XCTAssertEqual(snapshot.command, "remove")
        XCTAssertFalse(snapshot.ruleset.isEmpty)
    }

    func testShrinkGuardRefusesAndForceApplies() throws {
        let fake = FakeBackend()
        try writeLists(v4: try String(contentsOfFile: fixture("cloudflare/ips-v4"), encoding: .utf8), v6: "2606:4700::/32\n")
        _ = Syncer(settings: settings, backend: fake).apply()
        let installed = try fake.snapshot()
        try writeLists(v4: "104.16.0.0/13\n", v6: "2606:4700::/32\n")

        let refused = Syncer(settings: settings, backend: fake).apply()
        XCTAssertEqual(refused.exit, .refused)
        XCTAssertEqual(try fake.snapshot(), installed)

        settings.force = true
        XCTAssertEqual(Syncer(settings: settings, backend: fake).apply().report.result, .applied)
        XCTAssertEqual(fake.lists.ipv4, v4("104.16.0.0/13"))
    }

    func testSSHGuardRefusesUnlessForced() throws {
        let fake = FakeBackend()
        let ssh = ["SSH_CONNECTION": "198.51.100.7 50000 203.0.113.1 443"]
        let refused = Syncer(settings: settings, backend: fake, environment: ssh).apply()
        XCTAssertEqual(refused.exit, .refused)
        XCTAssertEqual(try fake.snapshot(), "")
        settings.force = true
        XCTAssertEqual(Syncer(settings: settings, backend: fake, environment: ssh).apply().exit, .success)
    }

    func testDamagedSnapshotIsRefused() throws {
        let fake = FakeBackend()
        _ = Syncer(settings: settings, backend: fake).apply()
        try writeLists(v4: "104.16.0.0/12\n173.245.48.0/20\n45.1.0.0/16\n", v6: "2606:4700::/32\n")
        _ = Syncer(settings: settings, backend: fake).apply()
        let state = StateDirectory(path: settings.stateDir)
        let id = try XCTUnwrap(try SnapshotStore(dir: state).list().snapshots.first?.id)
        let path = "snapshots/\(id).json"
        var bytes = try XCTUnwrap(try state.read(path))
        bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "104.16.0.0", with: "104.32.0.0").utf8)
        try state.write(path, bytes)
        let outcome = Syncer(settings: settings, backend: fake).rollback(to: id)
        XCTAssertEqual(outcome.exit, .error)
        XCTAssertEqual(outcome.report.error, "snapshot \(id) is damaged (checksum mismatch); refusing to restore it")

        try state.write(path, Array(bytes.prefix(40)))
        XCTAssertEqual(Syncer(settings: settings, backend: fake).rollback(to: id).report.error,
                       "snapshot \(id) is damaged (not a readable snapshot file: truncated or edited); refusing to restore it")
    }

    func testRotationKeepsTheNewest() throws {
        settings.keepSnapshots = 3
        let fake = FakeBackend()
        for i in 0..<5 {
            try writeLists(v4: "104.16.0.0/12\n173.245.48.0/20\n45.\(i).0.0/16\n", v6: "2606:4700::/32\n")
            XCTAssertEqual(Syncer(settings: settings, backend: fake).apply().report.result, .applied)
        }
        XCTAssertEqual(try SnapshotStore(dir: StateDirectory(path: settings.stateDir), keep: 3).list().snapshots.count, 3)
    }

    func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(name)").path
    }
}
