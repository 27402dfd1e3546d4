import CFSyncCore
import CFSyncTestSupport
import Foundation
import XCTest

@testable import CFSync

/// Issue 15, point 7: `apply --plan` runs the option validation and every list guard on a
/// saved plan, even one signed with the right key, and refuses with nothing changed.
final class SavedPlanGuardTests: XCTestCase {
    var dir: URL!
    var settings = Settings()
    let fake = FakeBackend()
    var planPath: String { dir.appendingPathComponent("reviewed.json").path }
    var reviewed = Data()
    var state: StateDirectory { StateDirectory(path: settings.stateDir) }

    override func setUpWithError() throws {
        dir = try ListServer.makeTempDir("plan-guards")
        settings.stateDir = dir.appendingPathComponent("state").path
        try write("v4", try String(contentsOf: ListServer.fixtures.appendingPathComponent("cloudflare/ips-v4"), encoding: .utf8))
        try write("v6", "2606:4700::/32\n")
        settings.sourceV4 = "file://" + dir.appendingPathComponent("v4").path
        settings.sourceV6 = "file://" + dir.appendingPathComponent("v6").path
        XCTAssertEqual(Syncer(settings: settings, backend: fake).apply().exit, .success)
        try write("v6", "2606:4700::/32\n2400:cb00::/32\n")
        var plan = settings
        plan.out = planPath
        XCTAssertEqual(Syncer(settings: plan, backend: fake).plan().exit, .success)
        reviewed = try Data(contentsOf: URL(fileURLWithPath: planPath))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Edits the reviewed plan (as `plan --out` wrote it), signs it again with the state dir's own key (as someone
    /// who can read the key could), applies it, and checks that nothing changed.
    func applyTampered(_ edit: (inout SavedPlan) throws -> Void, file: StaticString = #filePath, line: UInt = #line) throws -> Syncer.Outcome {
        let key = try XCTUnwrap(try PlanKey.existing(in: state))
        try reviewed.write(to: URL(fileURLWithPath: planPath))
        var saved = try SavedPlan.read(path: planPath, key: key)
        try edit(&saved)
        saved.sign(with: key)
        try Data(try saved.fileBytes(report: Report(command: "plan"))).write(to: URL(fileURLWithPath: planPath))
        let installed = try fake.snapshot()
        let accepted = try ListCache(dir: state).load()
        var apply = settings
        apply.plan = planPath
        let outcome = Syncer(settings: apply, backend: fake).apply()
        XCTAssertEqual(try fake.snapshot(), installed, "the firewall changed", file: file, line: line)
        XCTAssertEqual(try ListCache(dir: state).load(), accepted, "the accepted lists changed", file: file, line: line)
        return outcome
    }

    /// A no-op plan writes plans/last.json once, then leaves it alone while nothing changes.
    func testAnUnchangedPlanIsNotWrittenAgain() throws {
        let last = dir.appendingPathComponent("state/plans/last.json").path
        func inode() throws -> Int? { try FileManager.default.attributesOfItem(atPath: last)[.systemFileNumber] as? Int }
        XCTAssertEqual(Syncer(settings: settings, backend: fake).apply().exit, .success)
        XCTAssertEqual(Syncer(settings: settings, backend: fake).plan().exit, .success)
        let first = try inode()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: last))
        XCTAssertEqual(Syncer(settings: settings, backend: fake).plan().exit, .success)
        XCTAssertEqual(try inode(), first, "the same plan again: not rewritten")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: last)), bytes)
        try write("v6", "2606:4700::/32\n2400:cb00::/32\n2405:8100::/32\n")
        XCTAssertEqual(Syncer(settings: settings, backend: fake).plan().exit, .success)
        XCTAssertNotEqual(try inode(), first, "another plan: written")
    }

    func assertOutcome(_ outcome: Syncer.Outcome, _ exit: CFSyncExit, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(outcome.exit, exit, "\(outcome.report)", file: file, line: line)
        XCTAssertEqual(outcome.report.error, message, file: file, line: line)
    }

    /// Replaces the plan's list of `family` and its prefixes with those of `body`.
    func replaceList(_ saved: inout SavedPlan, _ family: Family, _ body: [UInt8]) {
        let index = saved.lists.firstIndex { $0.family == family }!
        saved.lists[index].body = body
        saved.lists[index].sha256 = SHA256Hex.of(body)
    }

    func testTheReviewedPlanApplies() throws {
        var apply = settings
        apply.plan = planPath
        let outcome = Syncer(settings: apply, backend: fake).apply()
        XCTAssertEqual(outcome.report.result, .applied, "\(outcome.report)")
        XCTAssertEqual(fake.lists.ipv6, v6("2400:cb00::/32", "2606:4700::/32"))
        XCTAssertEqual(try ListCache(dir: state).load().last?.body, Array("2606:4700::/32\n2400:cb00::/32\n".utf8))
    }

    func testBadOptionsAreUsageErrors() throws {
        assertOutcome(try applyTampered { $0.policy.ports = [0] }, .usage, "plan \(planPath): --ports: '0' is not a tcp port (1–65535)")
        assertOutcome(try applyTampered { $0.policy.ports = [] }, .usage, "plan \(planPath): --ports: names no port")
        assertOutcome(try applyTampered { $0.policy.families = [] }, .usage, "plan \(planPath): --family: names no family")
        assertOutcome(try applyTampered { $0.allow = ["0.0.0.0/0"] }, .usage,
                      "plan \(planPath): --allow: '0.0.0.0/0' would allow every IPv4 address")
    }

    func testListGuardsRefuse() throws {
        let v4 = settings.sourceV4
        assertOutcome(try applyTampered { replaceList(&$0, .ipv4, Array("104.16.0.0/12\n10.0.0.0/8\n".utf8)) }, .refused,
                      "\(v4) line 2: '10.0.0.0/8' is a special-purpose range (private-use)")
        assertOutcome(try applyTampered { replaceList(&$0, .ipv4, Array("104.16.0.0/12\n0.0.0.0/0\n".utf8)) }, .refused,
                      "\(v4) line 2: '0.0.0.0/0' is shorter than /8")
        assertOutcome(try applyTampered { replaceList(&$0, .ipv4, Array("# caf".utf8) + [0xE9] + Array("\n104.16.0.0/12".utf8)) },
                      .refused, "\(v4) line 1: not UTF-8 text")
        assertOutcome(try applyTampered { $0.lists.removeAll { $0.family == .ipv6 } }, .refused,
                      "plan \(planPath): no IPv6 list, and the plan manages IPv6")
    }

    func testPrefixesThatDoNotFollowFromTheListsAreRefused() throws {
        assertOutcome(try applyTampered { $0.desired.ipv4.append(v4("198.18.0.0/15")[0]) }, .usage,
                      "plan \(planPath): its prefixes are not those of its lists and --allow entries")
    }

    /// A plan made with --force still meets the shrink guard when it is applied.
    func testTheShrinkGuardComparesWithTheListsAcceptedNow() throws {
        try write("v4", "104.16.0.0/13\n")
        var forced = settings
        forced.force = true
        forced.out = planPath
        XCTAssertEqual(Syncer(settings: forced, backend: fake).plan().exit, .success)
        let installed = try fake.snapshot()

        var apply = settings
        apply.plan = planPath
        let refused = Syncer(settings: apply, backend: fake).apply()
        XCTAssertEqual(refused.exit, .refused, "\(refused.report)")
        XCTAssertTrue(refused.report.error?.contains("IPv4 coverage would shrink by") ?? false, "\(refused.report)")
        XCTAssertEqual(try fake.snapshot(), installed)

        apply.force = true
        XCTAssertEqual(Syncer(settings: apply, backend: fake).apply().report.result, .applied)
        XCTAssertEqual(fake.lists.ipv4, v4("104.16.0.0/13"))
    }
}
