import CFSyncCore
import XCTest

@testable import CFSync

/// The nftables backend keeps the prefixes in its own interval sets: `--ipset` (ipset sets,
/// iptables') is refused with exit 64 before any fetch or state-dir write, never ignored.
final class NftablesOptionsTests: XCTestCase {
    func testIpsetIsRefusedWithExit64BeforeAnything() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfsync-nft-opt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var settings = Settings()
        settings.stateDir = dir.appendingPathComponent("state").path
        settings.sourceV4 = "file://" + dir.appendingPathComponent("missing-v4").path
        settings.sourceV6 = "file://" + dir.appendingPathComponent("missing-v6").path
        settings.ipset = true
        let backend = try NftablesBackend()
        for outcome in [Syncer(settings: settings, backend: backend).plan(), Syncer(settings: settings, backend: backend).apply()] {
            XCTAssertEqual(outcome.exit, .usage)
            XCTAssertEqual(outcome.report.error, "--ipset: the nftables backend keeps the prefixes in its own interval sets "
                + "(allow_v4, allow_v6), not in ipset sets; --ipset is for --backend iptables")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: settings.stateDir))
        settings.ipset = false
        XCTAssertNil(backend.unenforceable(settings.policy))
        settings.forward = true
        XCTAssertNil(backend.unenforceable(settings.policy))
    }
}
