import Foundation
import XCTest

/// Issue 14, `cfsync watch` with the iptables backend on the real kernel. iptables-nft's
/// changes are nf_tables changes, announced by the kernel: a reload that drops cfsync's
/// chains is repaired within a second (the interval is 5 s). iptables-legacy announces
/// nothing: `iptables -F` is repaired by the check every `--watch-interval`.
final class IptablesWatchTests: IptablesNetfilterCase {
    func watch(_ variant: String, interval: Double) throws -> Watching {
        try Watching(cfsyncInBackground(
            "watch", ["--backend", "iptables", "--log-level", "info", "--watch-interval", String(interval)],
            environment: ["CFSYNC_IPTABLES_VARIANT": variant]))
    }

    func installed(_ variant: String) throws -> Bool {
        try save(variant).contains("-j CFSYNC-INPUT") && save(variant, v6: true).contains("-j CFSYNC-INPUT")
    }

    /// cfsync's lines of an `iptables-save`.
    func own(_ text: String) -> [Substring] { text.split(separator: "\n").filter { $0.contains("CFSYNC") } }

    /// `netfilter-persistent reload`: each family's saved rules (without cfsync's chains)
    /// loaded with `iptables-restore`, which replaces the whole filter table.
    func reloadWithoutCFSync(_ variant: String) throws {
        for v6 in [false, true] {
            let saved = withoutOwn(try save(variant, v6: v6))
            try origin.check([try tool(v6 ? "ip6tables-restore" : "iptables-restore", variant)], stdin: Data(saved.utf8))
        }
    }

    func testNftVariantReloadIsRepairedWithinASecond() throws {
        try scenario("nft", interval: 5, limit: 1) { try reloadWithoutCFSync("nft") }
    }

    /// The sets survive a reload of the tables; the chains and jumps are re-created around them.
    func testNftVariantWithIpsetReloadIsRepairedWithinASecond() throws {
        try scenario("nft", ipset: true, interval: 5, limit: 1) { try reloadWithoutCFSync("nft") }
    }

    func testLegacyVariantFlushIsRepairedWithinTheInterval() throws {
        // At most the interval plus the repairing check itself (it reads and restores both
        // families; ~0.1 s here).
        try scenario("legacy", interval: 1, limit: 1.5) {
            try ipt("legacy", "-F")
            try ipt("legacy", v6: true, "-F")
        }
    }

    /// `limit`: the longest an unlisted source may get through, in seconds.
    func scenario(_ variant: String, ipset: Bool = false, interval: Double, limit: Double, removal: () throws -> Void) throws {
        try installHostRules(variant)
        try serveGoodLists()
        let first = try cfsyncIptables(variant, "apply", ipset ? ["--ipset"] : [])
        XCTAssertEqual(first.status, 0, "\(first)")
        let applied = (v4: try save(variant), v6: try save(variant, v6: true))
        let watching = try watch(variant, interval: interval)

        var windows: [Int] = []
        for round in 1...3 {
            let exposure = try measureExposure(timeout: interval + 5, removal: removal) { try installed(variant) }
            windows.append(exposure.milliseconds)
            XCTAssertLessThanOrEqual(exposure.seconds, limit, "round \(round): unlisted source got through: \(exposure.unlisted)\n\(watching.process.stderr)")
            XCTAssertEqual(exposure.listed.failed, 0, "round \(round): listed source refused: \(exposure.listed)")
            XCTAssertTrue(watching.waitForRepairs(round, timeout: interval + 2), "round \(round): \(watching.process.stderr)")
        }
        print("watch exposure iptables-\(variant)\(ipset ? " with ipset" : "") (ms): \(windows)")
        XCTAssertEqual(own(try save(variant)), own(applied.v4))
        XCTAssertEqual(own(try save(variant, v6: true)), own(applied.v6))
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originListedV4, port: 443)
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)

        // A reload of both families may be two repairs; after them, its own changes found nothing to do.
        let repairs = watching.repairs.count
        sleep(UInt32(interval.rounded(.up)) + 1)
        XCTAssertEqual(watching.repairs.count, repairs, "its own repairs set it off again:\n\(watching.process.stderr)")
        XCTAssertEqual(watching.terminate(), 0, watching.process.stderr)
    }
}
