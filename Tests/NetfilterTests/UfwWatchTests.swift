import CFSyncCore
import Foundation
import XCTest

/// Issue 14, `cfsync watch` with the ufw backend: config management rewrites ufw's rules
/// files without cfsync's entries and reloads ufw. Nothing announces a file edit, so the
/// check every `--watch-interval` finds it and re-installs cfsync's rules. `ufw reload`
/// itself opens every port while it reloads (~1 s, with or without cfsync); after it, ufw's
/// default deny keeps unlisted sources out and listed ones are locked out until the repair.
extension UfwTests {
    func testWatchRepairsRulesFilesRewrittenWithoutCFSync() throws {
        try serveGoodLists()
        try applied()
        let rows = try cfsyncRows()
        let interval = 1.0
        let watching = try Watching(ufw.background([
            NetfilterSuite.cfsyncBinary.path, "watch", "--state-dir", stateDir.path, "--config", work.appendingPathComponent("empty.toml").path,
            "--log-level", "info", "--watch-interval", String(interval), "--output", "json"]))

        var outages: [Int] = [], reloads: [Int] = []
        for round in 1...2 {
            var reload = 0.0
            let exposure = try measureExposure(timeout: interval + 20) {
                for family in Family.allCases {
                    let file = ufw.etcUfw.appendingPathComponent(UfwLayout.rulesFile(family))
                    try ufw.rulesFileWithoutCFSync(family).write(to: file, atomically: true, encoding: .utf8)
                }
                let start = Date()
                try ufw.ufw("reload")
                reload = Date().timeIntervalSince(start)
            } restored: {
                try origin.check(["iptables", "-S", UfwLayout.inputChain(.ipv4)]).stdout.contains("-s 104.16.0.0/12")
            }
            outages.append(Int((exposure.listedOutage * 1000).rounded()))
            reloads.append(Int((reload * 1000).rounded()))
            XCTAssertLessThanOrEqual(exposure.seconds, reload + 0.1,
                                     "round \(round): unlisted source got through after ufw's reload: \(exposure.unlisted)")
            XCTAssertTrue(watching.waitForRepairs(round, timeout: 10), "round \(round): \(watching.process.stderr)")
        }
        print("watch lockout of a listed source, ufw (ms, --watch-interval 1, ufw reload included): \(outages); ufw reload took \(reloads)")
        let repairs = watching.repairs.count
        sleep(2)
        XCTAssertEqual(watching.repairs.count, repairs, "its own repairs set it off again:\n\(watching.process.stderr)")
        XCTAssertEqual(try cfsyncRows(), rows)
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originListedV4, port: 443)
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        XCTAssertEqual(watching.terminate(), 0, watching.process.stderr)
    }
}
