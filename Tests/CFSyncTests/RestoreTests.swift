import CFSyncCore
import Foundation
import XCTest

@testable import CFSync

/// `restore` puts back what the last apply, rollback or remove recorded, whatever
/// options it is given now; `rollback` never restores an older state in place of a
/// damaged newest snapshot.
final class RestoreTests: XCTestCase {
    var dir: URL!
    var settings = Settings()

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfsync-restore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        settings.stateDir = dir.appendingPathComponent("state").path
        try "104.16.0.0/12\n173.245.48.0/20\n".write(to: dir.appendingPathComponent("v4"), atomically: true, encoding: .utf8)
        try "2606:4700::/32\n".write(to: dir.appendingPathComponent("v6"), atomically: true, encoding: .utf8)
        settings.sourceV4 = "file://" + dir.appendingPathComponent("v4").path
        settings.sourceV6 = "file://" + dir.appendingPathComponent("v6").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func testWithAnEmptyStateDirRestoreChangesNothingAndSaysSo() {
        let fake = FakeBackend()
        let outcome = Syncer(settings: settings, backend: fake).restore()
        XCTAssertEqual(outcome.exit, .success)
        XCTAssertEqual(outcome.report.result, .unchanged)
        XCTAssertEqual(outcome.report.note, "nothing to restore: no apply is recorded in \(settings.stateDir)")
        XCTAssertNil(fake.policy)
        XCTAssertTrue(fake.applied.isEmpty)
    }

    func testRestoreReinstallsTheAppliedPolicyNotTodaysOptions() throws {
        let fake = FakeBackend()
        var byHand = settings
        byHand.mode = .allow
        byHand.ports = [8443]
        byHand.allow = [try AnyPrefix(parsing: "192.0.2.7/32")]
        XCTAssertEqual(Syncer(settings: byHand, backend: fake).apply().exit, .success)
        let applied = try fake.snapshot()
        try fake.restore("")  // a reload flushed the ruleset

        let outcome = Syncer(settings: settings, backend: fake).restore()

        XCTAssertEqual(outcome.exit, .success, outcome.report.error ?? "")
        XCTAssertEqual(outcome.report.result, .applied)
        XCTAssertEqual(outcome.report.structural, ["create fake objects"])
        XCTAssertEqual(try fake.snapshot(), applied)
        XCTAssertEqual(fake.policy?.ports, [8443])
        XCTAssertEqual(fake.lists.ipv4.map(\.description), ["104.16.0.0/12", "173.245.48.0/20", "192.0.2.7/32"])
        XCTAssertNotNil(outcome.report.snapshot, "a repair is snapshotted like an apply")
    }

    func testRestoreWhenInPlaceChangesNothing() {
        let fake = FakeBackend()
        _ = Syncer(settings: settings, backend: fake).apply()
        let outcome = Syncer(settings: settings, backend: fake).restore()
        XCTAssertEqual(outcome.report.result, .unchanged)
        XCTAssertFalse(outcome.report.changed)
        XCTAssertEqual(fake.applied.count, 1)
    }

    func testRestoreAfterRemoveInstallsNothing() {
        let fake = FakeBackend()
        _ = Syncer(settings: settings, backend: fake).apply()
        XCTAssertEqual(Syncer(settings: settings, backend: fake).remove().report.result, .removed)

        let outcome = Syncer(settings: settings, backend: fake).restore()

        XCTAssertEqual(outcome.exit, .success)
        XCTAssertEqual(outcome.report.note, "nothing to restore: the last change was cfsync remove")
        XCTAssertNil(fake.policy)
    }

    func testRollbackAlsoRollsBackWhatRestoreInstalls() throws {
        let fake = FakeBackend()
        var first = settings
        first.ports = [443]
        _ = Syncer(settings: first, backend: fake).apply()
        var second = settings
        second.ports = [8443]
        _ = Syncer(settings: second, backend: fake).apply()
        XCTAssertEqual(Syncer(settings: settings, backend: fake).rollback(to: nil).report.result, .rolledBack)
        try fake.restore("")

        XCTAssertEqual(Syncer(settings: settings, backend: fake).restore().report.result, .applied)
        XCTAssertEqual(fake.policy?.ports, [443])
    }

    func testADamagedRecordIsAnErrorNotNothing() throws {
        let fake = FakeBackend()
        _ = Syncer(settings: settings, backend: fake).apply()
        try fake.restore("")
        try Data("{\"version\":1,\"state\":".utf8).write(to: URL(fileURLWithPath: settings.stateDir + "/applied.json"))

        let outcome = Syncer(settings: settings, backend: fake).restore()

        XCTAssertEqual(outcome.exit, .error)
        XCTAssertTrue(outcome.report.error?.contains("applied.json is damaged") == true, outcome.report.error ?? "")
        XCTAssertNil(fake.policy)
    }

    func testRollbackRefusesWhenTheNewestSnapshotIsDamaged() throws {
        let fake = FakeBackend()
        _ = Syncer(settings: settings, backend: fake).apply()
        try "104.16.0.0/12\n".write(to: dir.appendingPathComponent("v4"), atomically: true, encoding: .utf8)
        var shrink = settings
        shrink.force = true
        XCTAssertEqual(Syncer(settings: shrink, backend: fake).apply().report.result, .applied)
        let current = try fake.snapshot()
        let (snapshots, _) = try Syncer(settings: settings, backend: fake).listSnapshots()
        XCTAssertEqual(snapshots.count, 2)
        let newest = snapshots[0].id, older = snapshots[1].id
        let file = URL(fileURLWithPath: "\(settings.stateDir)/snapshots/\(newest).json")
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: file)

        let outcome = Syncer(settings: settings, backend: fake).rollback(to: nil)

        XCTAssertEqual(outcome.exit, .error)
        let message = try XCTUnwrap(outcome.report.error)
        XCTAssertTrue(message.contains("the newest snapshot \(newest) is damaged"), message)
        XCTAssertTrue(message.contains("The newest intact snapshot is \(older)"), message)
        XCTAssertEqual(try fake.snapshot(), current)
    }
}
