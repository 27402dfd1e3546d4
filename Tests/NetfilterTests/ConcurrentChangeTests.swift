import Foundation
import XCTest

/// Issue 16: another process changes cfsync's set between the run's read of the kernel and its
/// commit (the `after-observe` failpoint pauses there). The stale plan must never be applied,
/// nor the other change undone by a snapshot of the stale read.
final class ConcurrentChangeTests: NetfilterTestCase {
    static let pause = "cfsync: failpoint after-observe"
    static let withAddition = goodV4 + ["198.41.128.0/17"]
    static let foreign = "203.0.113.0/24"

    /// The first commit is refused; the run reads again, plans again and applies. Its snapshot
    /// is the fresh read, so a rollback brings back the other process's element too.
    func testAChangeAfterTheReadMakesTheRunReadAndPlanAgain() throws {
        try applyGoodLists()
        try writeList("ips-v4", Self.withAddition)
        let run = try cfsyncInBackground("apply", environment: ["CFSYNC_FAILPOINT": "after-observe"])
        _ = try run.waitForLine(startingWith: Self.pause, onStderr: true, timeout: 60)
        _ = try origin.nft("add", "element", "inet", "cfsync", "allow_v4", "{ \(Self.foreign) }")
        let status = run.stop(timeout: 60)

        XCTAssertEqual(status, 0, run.stderr)
        XCTAssertEqual(pauses(run), 2, "read once, refused, read again: \(run.stderr)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.withAddition.sorted())
        let back = try cfsync("rollback")
        XCTAssertEqual(back.status, 0, "\(back)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), (Self.goodV4 + [Self.foreign]).sorted(),
                       "the snapshot holds what the kernel held when the run committed")
    }

    /// Another change after the second read too: the run gives up with the ruleset untouched,
    /// holding both of the other process's changes.
    func testAnotherChangeAfterTheSecondReadFailsWithTheRulesetUntouched() throws {
        try applyGoodLists()
        try writeList("ips-v4", Self.withAddition)
        let run = try cfsyncInBackground("apply", environment: ["CFSYNC_FAILPOINT": "after-observe"])
        _ = try run.waitForLine(startingWith: Self.pause, onStderr: true, timeout: 60)
        _ = try origin.nft("add", "element", "inet", "cfsync", "allow_v4", "{ \(Self.foreign) }")
        run.writeLine("")
        try waitForPauses(run, 2)
        _ = try origin.nft("delete", "element", "inet", "cfsync", "allow_v4", "{ 104.16.0.0/12 }")
        let before = try origin.nftRuleset()
        let status = run.stop(timeout: 60)

        XCTAssertEqual(status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("changed while cfsync"), run.stderr)
        XCTAssertEqual(try origin.nftRuleset(), before, "nothing committed, nothing restored")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), ["173.245.48.0/20", Self.foreign].sorted())
    }

    private func pauses(_ run: BackgroundProcess) -> Int {
        run.stderr.components(separatedBy: Self.pause).count - 1
    }

    private func waitForPauses(_ run: BackgroundProcess, _ count: Int) throws {
        let deadline = Date().addingTimeInterval(60)
        while pauses(run) < count {
            guard Date() < deadline, run.isRunning else {
                throw SubprocessError(description: "cfsync did not pause \(count) times: \(run.stderr)")
            }
            usleep(10_000)
        }
    }
}
