import Foundation
import XCTest

/// Without CFSYNC_IPTABLES_VARIANT, cfsync puts its chains in the xtables stack that holds
/// the host's rules (legacy or nf_tables), whatever `iptables` points at; only when both
/// hold as many rules does the alternative (`iptables -V`) decide. This host's alternative
/// is read first, and the host's rules go into the other stack.
final class IptablesVariantDetectionTests: IptablesNetfilterCase {
    /// The variant `iptables -V` names here, and the other one.
    func variants() throws -> (alternative: String, other: String) {
        let version = try origin.check(["iptables", "-V"]).stdout
        return version.contains("legacy") ? ("legacy", "nft") : ("nft", "legacy")
    }

    func detected(_ command: String, _ extra: [String] = []) throws -> CFSyncRun {
        let empty = work.appendingPathComponent("empty.toml")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        return CFSyncRun(process: try origin.run(
            ["/usr/bin/env", "-u", "CFSYNC_IPTABLES_VARIANT", NetfilterSuite.cfsyncBinary.path, command,
             "--backend", "iptables", "--state-dir", stateDir.path, "--config", empty.path,
             "--source-v4", url("ips-v4"), "--source-v6", url("ips-v6")] + extra, timeout: 120))
    }

    func testChainsLandWhereTheHostsRulesAreNotWhereTheAlternativePoints() throws {
        let (alternative, other) = try variants()
        try installHostRules(other)
        try serveGoodLists()
        let run = try detected("apply", ["--output", "json"])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(try save(other).contains("-j CFSYNC-INPUT"), "cfsync's jump is not in \(other)")
        XCTAssertFalse(try save(alternative).contains("CFSYNC"), "cfsync's chains went to \(alternative)")
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443)
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)

        let doctor = try detected("doctor")
        let line = doctor.stdout.split(separator: "\n").first { $0.contains("variant \(other)") }
        XCTAssertNotNil(line, "doctor does not name the variant: \(doctor)")
        XCTAssertTrue(line?.contains("rules") == true, "doctor does not say why: \(doctor)")
    }

    func testWithoutRulesAnywhereTheAlternativeDecides() throws {
        let (alternative, other) = try variants()
        try serveGoodLists()
        let run = try detected("apply", ["--output", "json"])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(try save(alternative).contains("-j CFSYNC-INPUT"), "cfsync's jump is not in \(alternative)")
        XCTAssertFalse(try save(other).contains("CFSYNC"), "cfsync's chains went to \(other)")
    }
}
