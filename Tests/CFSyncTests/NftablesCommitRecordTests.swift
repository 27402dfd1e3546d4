import CFSyncCore
import CFSyncTestSupport
import Foundation
import Nftables
import XCTest
@testable import CFSync

/// `NftablesBackend` over `FakeNftKernel`: when it trusts its commit record instead of dumping
/// the sets, and that anything but its own proven commit sends it back to the dump.
final class NftablesCommitRecordTests: XCTestCase {
    static let policy = Policy(mode: .lockdown, ports: [80, 443], families: [.ipv4, .ipv6])
    static let listA = AddressLists(ipv4: v4("104.16.0.0/13", "173.245.48.0/20"), ipv6: v6("2606:4700::/32"))
    static let listB = AddressLists(ipv4: v4("104.16.0.0/13", "131.0.72.0/22"), ipv6: v6("2606:4700::/32", "2803:f800::/32"))

    var base: URL!
    var file: NftCommitRecordFile!
    var kernel: FakeNftKernel!
    var backend: NftablesBackend!

    override func setUpWithError() throws {
        base = try ListServer.makeTempDir("nft-record")
        file = NftCommitRecordFile(dir: StateDirectory(path: base.path))
        kernel = FakeNftKernel()
        kernel.load(NftLayout(policy: Self.policy), Self.listA)
        backend = NftablesBackend(kernel: kernel, commitRecord: file)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: base)
    }

    /// observe, plan towards `desired`, apply; returns what apply said.
    @discardableResult
    private func applyOver(_ desired: AddressLists, policy: Policy = policy) throws -> Applied {
        let observed = try backend.observe(policy)
        return try backend.apply(SyncPlan(policy: policy, desired: desired, installed: observed.installed), over: observed)
    }

    /// Observes and says whether the sets were dumped, with what it saw.
    private func observe(_ policy: Policy = policy) throws -> (dumped: Bool, installed: InstalledState) {
        let before = kernel.dumps
        let installed = try backend.observe(policy).installed
        return (kernel.dumps > before, installed)
    }

    func testAfterItsOwnProvenCommitTheNextReadTakesTheRecordAndIsExact() throws {
        XCTAssertEqual(try applyOver(Self.listB), .proven)
        XCTAssertEqual(file.load()?.generation, try kernel.generation())
        XCTAssertEqual(file.load()?.lists, Self.listB)

        let (dumped, installed) = try observe()
        XCTAssertFalse(dumped, "nothing committed since cfsync's own commit: no dump")
        XCTAssertEqual(installed, InstalledState(structure: .matches, lists: Self.listB))

        // And a change over the trusted read is proven again, against the kernel's elements.
        XCTAssertEqual(try applyOver(Self.listA), .proven)
        XCTAssertEqual(kernel.sets["allow_v4"], NftIntervalSet.ordered(NftIntervalSet.encode(Self.listA.ipv4)))
        XCTAssertFalse(try observe().dumped)
    }

    func testAnotherProgramsElementIsSeenNotHiddenByTheRecord() throws {
        try applyOver(Self.listB)
        kernel.addElements(.ipv4(v4("203.0.113.0/24")))

        let (dumped, installed) = try observe()
        XCTAssertTrue(dumped)
        XCTAssertEqual(installed.lists.ipv4, v4("104.16.0.0/13", "131.0.72.0/22", "203.0.113.0/24"))
        let plan = SyncPlan(policy: Self.policy, desired: Self.listB, installed: installed)
        XCTAssertEqual(plan.ipv4.remove, v4("203.0.113.0/24"), "the next apply takes it out, knowingly")
    }

    func testAnyOtherCommitDistrustsTheRecord() throws {
        try applyOver(Self.listB)
        kernel.commitElsewhere()
        XCTAssertTrue(try observe().dumped, "the generation moved")
    }

    func testAReloadOfTheSameShapeIsReadFromTheKernel() throws {
        try applyOver(Self.listB)
        kernel.load(NftLayout(policy: Self.policy), Self.listA)
        let (dumped, installed) = try observe()
        XCTAssertTrue(dumped)
        XCTAssertEqual(installed.lists, Self.listA)
    }

    func testAnotherBootOrNamespaceDistrustsTheRecord() throws {
        try applyOver(Self.listB)
        kernel.currentPlace = NftCommitRecord.Place(bootID: "boot-b", netnsCookie: 4096)
        XCTAssertTrue(try observe().dumped, "another boot")
        kernel.currentPlace = NftCommitRecord.Place(bootID: "boot-a", netnsCookie: 4097)
        XCTAssertTrue(try observe().dumped, "another namespace")
        kernel.currentPlace = NftCommitRecord.Place(bootID: "boot-a", netnsCookie: 4096)
        XCTAssertFalse(try observe().dumped, "back where it was recorded")
    }

    func testAStructureOtherThanThePolicysIsDumped() throws {
        try applyOver(Self.listB)
        let otherPorts = Policy(mode: .lockdown, ports: [443], families: [.ipv4, .ipv6])
        let (dumped, installed) = try observe(otherPorts)
        XCTAssertTrue(dumped)
        XCTAssertEqual(installed.lists, Self.listB)
    }

    func testADamagedRecordIsDumped() throws {
        try applyOver(Self.listB)
        let path = base.appendingPathComponent("nftables-commit.txt")
        var bytes = try Data(contentsOf: path)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: path)
        XCTAssertTrue(try observe().dumped)
    }

    func testWithoutANamespaceIdentityNothingIsRecorded() throws {
        kernel.currentPlace = nil
        XCTAssertEqual(try applyOver(Self.listB), .proven)
        XCTAssertNil(file.load())
        XCTAssertTrue(try observe().dumped)
    }

    func testWithoutARecordLocationItAlwaysDumps() throws {
        backend = NftablesBackend(kernel: kernel, commitRecord: nil)
        try applyOver(Self.listB)
        XCTAssertNil(file.load())
        XCTAssertTrue(try observe().dumped)
    }

    /// The record goes before the commit: a refused commit (another program committed after the
    /// read) leaves no record behind that could be trusted later.
    func testARefusedCommitLeavesNoRecord() throws {
        try applyOver(Self.listB)
        let observed = try backend.observe(Self.policy)
        kernel.commitElsewhere()
        let plan = SyncPlan(policy: Self.policy, desired: Self.listA, installed: observed.installed)
        XCTAssertThrowsError(try backend.apply(plan, over: observed)) { error in
            XCTAssertTrue(error is ChangedSinceObserved, "\(error)")
        }
        XCTAssertNil(file.load())
        XCTAssertEqual(kernel.sets["allow_v4"], NftIntervalSet.ordered(NftIntervalSet.encode(Self.listB.ipv4)))
    }

    /// A restore (rollback, the safety net, remove) drops the record before it commits.
    func testRestoreDropsTheRecord() throws {
        let snapshot = try backend.observe(Self.policy).dump()
        try applyOver(Self.listB)
        XCTAssertNotNil(file.load())
        try backend.restore(snapshot)
        XCTAssertNil(file.load())
        let (dumped, installed) = try observe()
        XCTAssertTrue(dumped)
        XCTAssertEqual(installed.lists, Self.listA)

        try applyOver(Self.listB)
        XCTAssertNotNil(file.load())
        try backend.restore("")
        XCTAssertNil(file.load())
        XCTAssertEqual(try backend.observe(Self.policy).installed, .absent)
    }
}
