import CFSyncCore
import CFSyncTestSupport
import Foundation
import XCTest

@testable import CFSync

final class SavedPlanFileTests: XCTestCase {
    func testRoundTripKeepsTheWholePolicyAndRejectsEdits() throws {
        let policy = Policy(mode: .allow, ports: [443, 8443], families: [.ipv4], forward: true, ipset: true)
        let plan = SyncPlan(policy: policy, desired: AddressLists(ipv4: v4("104.16.0.0/13")), installed: .absent)
        let list = CachedList(url: "file:///x", body: Array("104.16.0.0/13\n".utf8), etag: nil, fetchedAt: Date(timeIntervalSince1970: 0))
        let saved = SavedPlan(backend: .iptables, plan: plan, installed: .empty, installedDump: "", lists: [list])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfsync-plan-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = try saved.fileBytes(report: Report(command: "plan"))
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let read = try SavedPlan.read(path: path)
        XCTAssertEqual(read, saved)
        XCTAssertEqual(read.policy, policy)
        XCTAssertEqual(read.lists.map(\.cached), [list])

        let edited = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"ipset\" : true", with: "\"ipset\" : false")
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SavedPlan.read(path: path)) { error in
            XCTAssertEqual((error as? CFSyncError)?.exit, .usage)
        }
    }
}
