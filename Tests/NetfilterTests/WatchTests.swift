import Foundation
import XCTest

/// Issue 14, `cfsync watch` with the nftables backend on the real kernel: a reload that
/// drops cfsync's table is repaired within a second, found through the kernel's
/// announcements (the interval is 5 s, so it cannot be the safety net), and its own repair
/// does not set it off again.
final class WatchTests: NetfilterTestCase {
    /// Debian's /etc/nftables.conf: `flush ruleset`, then the host's own rules.
    static var reload: String { "flush ruleset\n" + unrelatedTable }

    func watch(_ extra: [String] = []) throws -> Watching {
        try Watching(cfsyncInBackground("watch", ["--log-level", "info"] + extra))
    }

    func testAReloadIsRepairedWithinASecondAndTheRepairIsRecordedOnce() throws {
        try installUnrelatedTable()
        try applyGoodLists()
        let applied = try origin.nftTable("inet", "cfsync")
        let metrics = work.appendingPathComponent("cfsync.prom")
        let watching = try watch(["--metrics-file", metrics.path])

        var windows: [Int] = []
        for round in 1...3 {
            let exposure = try measureExposure(timeout: 5) {
                try origin.nftScript(Self.reload)
            } restored: {
                try origin.nftHasTable("inet", "cfsync")
            }
            windows.append(exposure.milliseconds)
            XCTAssertLessThanOrEqual(exposure.seconds, 1, "round \(round): unlisted source got through: \(exposure.unlisted)\n\(watching.process.stderr)")
            XCTAssertEqual(exposure.listed.failed, 0, "round \(round): listed source refused: \(exposure.listed)")
            XCTAssertTrue(watching.waitForRepairs(round, timeout: 2), "round \(round): \(watching.process.stderr)")
        }
        print("watch exposure nftables (ms): \(windows)")
        XCTAssertEqual(try origin.nftTable("inet", "cfsync"), applied)
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originListedV4, port: 443)
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)

        // Its own repairs announced changes too; the checks they caused found nothing to do.
        sleep(1)
        XCTAssertEqual(watching.repairs.count, 3, watching.process.stderr)
        XCTAssertTrue(watching.repairs.allSatisfy { $0.contains("create table inet cfsync") }, watching.process.stderr)
        let status = try cfsync("status", json: true)
        XCTAssertEqual(status.status, 0, "\(status)")
        let last = try XCTUnwrap(status.json?["last_repair"] as? [String: Any], "\(status)")
        XCTAssertEqual(last["total"] as? Int, 3, "\(status)")
        let repaired = try XCTUnwrap(last["repaired"] as? [String], "\(status)")
        XCTAssertEqual(repaired.dropFirst(), ["ipv4: 2 prefixes missing", "ipv6: 1 prefix missing"], "\(status)")
        XCTAssertTrue(repaired.first?.hasPrefix("create table inet cfsync") == true, "\(status)")
        let samples = try String(contentsOf: metrics, encoding: .utf8)
        XCTAssertTrue(samples.contains("\ncfsync_watch_repairs_total 3\n"), samples)
        XCTAssertTrue(samples.contains("\ncfsync_watch_last_repair_timestamp_seconds "), samples)
        let text = try cfsync("status")
        XCTAssertTrue(text.stdout.contains("last repair by cfsync watch: "), "\(text)")
        XCTAssertEqual(watching.terminate(), 0, watching.process.stderr)
    }

    /// An element added by hand (altered, not removed) is taken out again; changes to other
    /// tables are not cfsync's business and cause no check.
    func testAnAlteredSetIsRepairedAndOtherTablesAreIgnored() throws {
        try installUnrelatedTable()
        try applyGoodLists()
        let watching = try watch(["--log-level", "debug"])
        let checksBefore = watching.announcedChecks
        for _ in 0..<5 { try origin.nft("add", "rule", "inet", "filter", "input", "counter") }
        usleep(500_000)
        XCTAssertEqual(watching.announcedChecks, checksBefore, "a change to inet filter caused a check:\n\(watching.process.stderr)")

        try origin.nft("add", "element", "inet", "cfsync", "allow_v4", "{ 192.0.2.0/24 }")
        XCTAssertTrue(watching.waitForRepairs(1, timeout: 1), watching.process.stderr)
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.goodV4.sorted())
        XCTAssertTrue(watching.repairs.first?.contains("ipv4: 1 prefix not in the applied lists") == true, watching.process.stderr)
        XCTAssertEqual(watching.terminate(), 0)
    }

    /// Another tool that keeps removing cfsync's table: the 11th repair within a minute ends
    /// the watch with one clear line and exit 1, the table installed.
    func testARepairUndoneTenTimesInAMinuteIsAFightAndEndsTheWatch() throws {
        try applyGoodLists()
        let watching = try watch()
        for round in 1...11 {
            try origin.nft("delete", "table", "inet", "cfsync")
            XCTAssertTrue(watching.waitForRepairs(round, timeout: 2), "round \(round): \(watching.process.stderr)")
        }
        XCTAssertEqual(watching.process.wait(timeout: 5), 1, watching.process.stderr)
        let errors = watching.process.stderr.split(separator: "\n").filter { line in
            !["cfsync: info:", "cfsync: warning:", "cfsync: debug:"].contains { line.hasPrefix($0) }
        }
        XCTAssertEqual(errors.count, 1, watching.process.stderr)
        XCTAssertTrue(errors.first?.contains("11 repairs within 60 s") == true, watching.process.stderr)
        XCTAssertTrue(try origin.nftHasTable("inet", "cfsync"))
    }

    /// A check that cannot take the lock (another run holds it) changes nothing, says so
    /// once however often it retries, and repairs once the lock is free.
    func testAHeldLockIsReportedOnceAndRetried() throws {
        try applyGoodLists()
        let watching = try watch(["--lock-timeout", "0.1", "--watch-interval", "0.5"])
        let holder = try origin.background([try XCTUnwrap(Subprocess.which("flock")), stateDir.appendingPathComponent("lock").path, "sleep", "3"])
        usleep(300_000)
        try origin.nft("delete", "table", "inet", "cfsync")
        XCTAssertTrue(watching.waitForRepairs(1, timeout: 6), watching.process.stderr)
        XCTAssertNotNil(holder.wait(timeout: 1))
        let lockLines = watching.process.stderr.split(separator: "\n").filter { $0.contains("holds") }
        XCTAssertEqual(lockLines.count, 1, watching.process.stderr)
        XCTAssertTrue(lockLines.first?.hasPrefix("cfsync: warning: check of nftables failed: another cfsync run holds") == true, watching.process.stderr)
        XCTAssertTrue(try origin.nftHasTable("inet", "cfsync"))
        XCTAssertEqual(watching.terminate(), 0)
    }

    /// TERM, INT and HUP each end the watch with exit 0 and one JSON object on stdout.
    func testSignalsEndTheWatchCleanly() throws {
        try applyGoodLists()
        for signal in [SIGTERM, SIGINT, SIGHUP] {
            let watching = try watch()
            watching.process.kill(signal: signal)
            XCTAssertEqual(watching.process.wait(timeout: 0), 0, "signal \(signal): \(watching.process.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(watching.process.stdout.utf8)) as? [String: Any]
            XCTAssertEqual(object?["command"] as? String, "watch", watching.process.stdout)
            XCTAssertEqual(object?["result"] as? String, "unchanged", watching.process.stdout)
        }
    }

    /// With nothing applied yet the watch waits for an apply, then keeps what was applied.
    func testWithNothingAppliedItWaitsForAnApply() throws {
        try serveGoodLists()
        let watching = try watch(["--watch-interval", "0.5"])
        XCTAssertTrue(watching.process.stderr.contains("nothing applied yet"), watching.process.stderr)
        XCTAssertEqual(try cfsync("apply").status, 0)
        usleep(1_000_000)
        try origin.nft("delete", "table", "inet", "cfsync")
        XCTAssertTrue(watching.waitForRepairs(1, timeout: 2), watching.process.stderr)
        XCTAssertTrue(try origin.nftHasTable("inet", "cfsync"))
        XCTAssertEqual(watching.terminate(), 0)
    }

    /// After `remove` the applied state is "nothing": the watch keeps nothing in place.
    func testAfterRemoveItInstallsNothing() throws {
        try applyGoodLists()
        let watching = try watch(["--watch-interval", "0.5"])
        XCTAssertEqual(try cfsync("remove").status, 0)
        sleep(2)
        XCTAssertFalse(try origin.nftHasTable("inet", "cfsync"))
        XCTAssertEqual(watching.repairs, [])
        XCTAssertEqual(watching.terminate(), 0)
    }

    func testADamagedStateDirEndsTheWatchWithOneLine() throws {
        try applyGoodLists()
        try Data("{".utf8).write(to: stateDir.appendingPathComponent("applied.json"))
        let process = try cfsyncInBackground("watch")
        XCTAssertEqual(process.wait(timeout: 20), 1, process.stderr)
        XCTAssertEqual(process.stderr.split(separator: "\n").count, 1, process.stderr)
        XCTAssertTrue(process.stderr.contains("applied.json"), process.stderr)
    }
}

extension Watching {
    /// Checks the kernel's announcements started (debug log).
    var announcedChecks: Int { process.stderr.components(separatedBy: "check: announced change").count - 1 }
}
