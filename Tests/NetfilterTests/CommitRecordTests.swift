import Foundation
import XCTest

/// Issue 16: after its own proven commit cfsync records what its sets hold at which ruleset
/// generation (`nftables-commit.txt`), and the next run takes the sets from that record instead
/// of dumping them, while nothing else committed. The `set-dump` failpoint makes every element
/// dump fail, so a run that succeeds under it did not dump; one that fails under it did.
final class CommitRecordTests: NetfilterTestCase {
    static let noDump = ["CFSYNC_FAILPOINT": "set-dump"]
    static let changedV4 = ["104.16.0.0/12", "198.41.128.0/17"]
    static let foreign = "203.0.113.0/24"

    var recordPath: String { stateDir.appendingPathComponent("nftables-commit.txt").path }
    var hasRecord: Bool { FileManager.default.fileExists(atPath: recordPath) }

    func testAfterItsOwnApplyTheNextRunSkipsTheDumpAndIsExact() throws {
        try applyGoodLists()
        XCTAssertTrue(hasRecord)
        let mode = try FileManager.default.attributesOfItem(atPath: recordPath)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        try writeList("ips-v4", Self.changedV4)

        let run = try cfsync("apply", json: true, environment: Self.noDump)

        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.changes?["ipv4"], ["add": ["198.41.128.0/17"], "remove": ["173.245.48.0/20"]], "\(run)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.changedV4)
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v6"), Self.goodV6)
        let status = try cfsync("status", json: true, environment: Self.noDump)
        XCTAssertEqual(status.status, 0, "in sync, from the record of the second apply: \(status)")
        let noop = try cfsync("apply", json: true, environment: Self.noDump)
        XCTAssertEqual(noop.string("result"), "unchanged", "\(noop)")
        XCTAssertEqual(try cfsync("status", json: true).status, 0, "a run that dumps agrees")
    }

    /// `nft add element` by another program between two runs moves the generation: the record is
    /// distrusted, the element is seen, and the next apply takes it out knowingly (it is in the
    /// report), never keeping a plan made from the stale record.
    func testAnotherProgramsElementBetweenRunsIsSeen() throws {
        try applyGoodLists()
        _ = try origin.nft("add", "element", "inet", "cfsync", "allow_v4", "{ \(Self.foreign) }")

        let blind = try cfsync("plan", json: true, environment: Self.noDump)
        XCTAssertEqual(blind.status, 1, "the record was distrusted, so the run dumped: \(blind)")
        XCTAssertTrue(blind.string("error")?.contains("failpoint set-dump") == true, "\(blind)")
        let plan = try cfsync("plan", json: true)
        XCTAssertEqual(plan.changes?["ipv4"], ["add": [], "remove": [Self.foreign]], "\(plan)")
        let status = try cfsync("status", json: true)
        XCTAssertEqual(status.status, 2, "\(status)")

        try writeList("ips-v4", Self.changedV4)
        let run = try cfsync("apply", json: true)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.changes?["ipv4"], ["add": ["198.41.128.0/17"], "remove": ["173.245.48.0/20", Self.foreign]], "\(run)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.changedV4)
        XCTAssertEqual(try cfsync("status", json: true, environment: Self.noDump).status, 0, "recorded again")
    }

    /// A reload that puts back cfsync's table with other elements (same shape), then a
    /// `flush ruleset`: both are seen.
    func testAReloadOrAFlushRulesetBetweenRunsIsSeen() throws {
        try applyGoodLists()
        let table = try origin.nftTable("inet", "cfsync")
        XCTAssertTrue(table.contains("173.245.48.0/20"), table)
        try origin.nftScript("flush ruleset\n" + table.replacingOccurrences(of: "173.245.48.0/20", with: "198.41.128.0/17"))

        let blind = try cfsync("plan", json: true, environment: Self.noDump)
        XCTAssertEqual(blind.status, 1, "\(blind)")
        let plan = try cfsync("plan", json: true)
        XCTAssertEqual(plan.changes?["ipv4"], ["add": ["173.245.48.0/20"], "remove": ["198.41.128.0/17"]], "\(plan)")
        let repair = try cfsync("apply", json: true)
        XCTAssertEqual(repair.status, 0, "\(repair)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.goodV4.sorted())

        try origin.nftScript("flush ruleset\n")
        let status = try cfsync("status", json: true, environment: Self.noDump)
        XCTAssertEqual(status.status, 2, "\(status)")
        XCTAssertEqual(status.driftItems?.first, "cfsync's firewall objects are missing", "\(status)")
        let again = try cfsync("apply", json: true, environment: Self.noDump)
        XCTAssertEqual(again.status, 0, "a first apply reads no set: \(again)")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.goodV4.sorted())
    }

    /// Every commit that is not a proven apply drops the record first: rollback, the safety net's
    /// restore, remove.
    func testRollbackTheSafetyNetAndRemoveDropTheRecord() throws {
        try applyGoodLists()
        try writeList("ips-v4", Self.changedV4)
        XCTAssertEqual(try cfsync("apply").status, 0)
        XCTAssertTrue(hasRecord)

        let back = try cfsync("rollback")
        XCTAssertEqual(back.status, 0, "\(back)")
        XCTAssertFalse(hasRecord, "rollback")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.goodV4.sorted())
        XCTAssertEqual(try cfsync("plan", environment: Self.noDump).status, 1, "without a record the run dumps")

        let failed = try cfsync("apply", environment: ["CFSYNC_FAILPOINT": "after-apply"])
        XCTAssertEqual(failed.status, 1, "\(failed)")
        XCTAssertTrue(failed.stderr.contains("restored snapshot"), "\(failed)")
        XCTAssertFalse(hasRecord, "the safety net's restore")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.goodV4.sorted())

        XCTAssertEqual(try cfsync("apply").status, 0)
        XCTAssertTrue(hasRecord)
        XCTAssertEqual(try cfsync("remove").status, 0)
        XCTAssertFalse(hasRecord, "remove")
        XCTAssertFalse(try origin.nftHasTable("inet", "cfsync"))
    }
}
