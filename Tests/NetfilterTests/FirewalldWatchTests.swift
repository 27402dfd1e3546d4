import Foundation
import XCTest

/// Issue 17, `cfsync watch` with the firewalld backend: firewalld announces nothing cfsync
/// listens to, so a runtime edit of cfsync's objects is found by the check every
/// `--watch-interval`. A check is one read of both configurations (ten firewall-cmd calls,
/// ~0.3 s each), longer than the interval here, so checks run back to back, a quarter
/// interval apart. `firewall-cmd --reload` keeps cfsync's objects (they are permanent):
/// nothing to repair.
final class FirewalldWatchTests: FirewalldNetfilterCase {
    static let interval = 1.0

    /// Seconds each firewall-cmd call of this test took, next to the watch's own calls.
    private var calls: [Double] = []

    func watch(_ environment: [String: String] = [:]) throws -> Watching {
        try Watching(firewalld.background(try cfsyncArguments(
            "watch", ["--log-level", "debug", "--watch-interval", String(Self.interval)], backend: "firewalld", json: true, environment: environment)))
    }

    /// `firewall-cmd <arguments>`, timed into `calls`.
    func timed(_ arguments: String...) throws -> String {
        let start = Date()
        defer { calls.append(Date().timeIntervalSince(start)) }
        return try firewalld.cmd(arguments)
    }

    /// The runtime entries of the set the IPv4 accept rule for 443 names, through firewall-cmd;
    /// nil while there is no such rule.
    func acceptedV4() throws -> [String]? {
        let rules = try timed("--policy=cfsync", "--list-rich-rules").split(separator: "\n")
        guard let rule = rules.first(where: { $0.contains("family=\"ipv4\" source ipset=") && $0.contains("port=\"443\"") && $0.hasSuffix(" accept") }),
              let start = rule.range(of: "ipset=\"")
        else { return nil }
        let set = rule[start.upperBound...].prefix { $0 != "\"" }
        return try timed("--ipset=\(set)", "--get-entries").split(separator: "\n").map(String.init).sorted()
    }

    /// Checks that started because the interval passed (debug log).
    func intervalChecks(_ watching: Watching) -> Int {
        watching.process.stderr.components(separatedBy: "check: interval").count - 1
    }

    func testRuntimeRemovalsAreRepairedWithinThreeReadsAndAReloadIsNoRepair() throws {
        try serveGoodLists()
        try applied()
        let admin = try adminView()
        let objects = try ownObjectsInStep()
        let rule = try XCTUnwrap(objects.policies["cfsync"]?.first {
            $0.contains("family=\"ipv4\" source ipset=\"cfsync-v4\"") && $0.contains("port=\"443\"") && $0.hasSuffix(" accept")
        }, "\(objects)")
        let watching = try watch()

        var restores: [Double] = [], outages: [Double] = []
        let removals: [(String, () throws -> Void)] = [
            ("accept rule", { _ = try self.timed("--policy=cfsync", "--remove-rich-rule=\(rule)") }),
            ("ipset entry", { _ = try self.timed("--ipset=cfsync-v4", "--remove-entry=104.16.0.0/12") }),
        ]
        for (round, (what, removal)) in removals.enumerated() {
            var removedAt = Date(), restoredAt: Date?
            let exposure = try measureExposure(timeout: 30) {
                try removal()
                removedAt = Date()
                XCTAssertNotEqual(try acceptedV4(), Self.goodV4.sorted(), "\(what): the removal did not take")
            } restored: {
                guard try acceptedV4() == Self.goodV4.sorted() else { return false }
                restoredAt = Date()
                return true
            }
            restores.append((restoredAt ?? Date()).timeIntervalSince(removedAt))
            outages.append(exposure.listedOutage)
            XCTAssertNotNil(restoredAt, "\(what): not repaired within 30 s\n\(watching.process.stderr)")
            // The lockdown drop rules stay: an unlisted source never gets through, only the
            // listed one is locked out until the repair.
            XCTAssertEqual(exposure.unlisted.connected, 0, "\(what): unlisted source got through: \(exposure.unlisted)")
            XCTAssertGreaterThan(exposure.listed.connected, 0, "\(what): the listed source never got through: \(exposure.listed)")
            // Logged after the repair's read-back (one read: well under 10 s).
            XCTAssertTrue(watching.waitForRepairs(round + 1, timeout: 10), "\(what): \(watching.process.stderr)")
        }
        XCTAssertTrue(watching.repairs.first?.contains("runtime: rich rule missing: \(rule)") == true, watching.process.stderr)
        XCTAssertTrue(watching.repairs.last?.contains("ipv4: 1 prefix missing") == true, watching.process.stderr)

        // Worst case: the edit lands just after a check read that object; that check ends (at
        // most one read), the next starts a quarter interval later and finds it (one read), and
        // the repair reads once more (one read: nothing changed since) and its runtime commands
        // put it back (one call for the rule; for the entry, the other set filled and its
        // rules added: two of four). A read is ten calls, each timed as this test's own calls
        // took meanwhile (the median), next to the watch's; half as much again for the load to
        // vary, plus 1 s for this test's polling (two calls).
        let call = calls.sorted()[calls.count / 2], read = 10 * call
        let bound = 1.5 * (3 * read + Self.interval / 4 + 4 * call) + 1
        func ms(_ seconds: [Double]) -> [Int] { seconds.map { Int(($0 * 1000).rounded()) } }
        print("firewalld watch (--watch-interval 1): firewall-cmd call \(ms([call])[0]) ms, bound \(ms([bound])[0]) ms; "
            + "restored after (ms) \(ms(restores)); listed source locked out (ms) \(ms(outages))")
        for (index, restore) in restores.enumerated() {
            XCTAssertLessThanOrEqual(restore, bound, "\(removals[index].0): repaired too late\n\(watching.process.stderr)")
            XCTAssertLessThanOrEqual(outages[index], bound, "\(removals[index].0): listed source locked out too long")
        }
        // The entry's repair filled the other set and pointed the rules at it, in both configurations.
        let repaired = try ownObjectsInStep()
        XCTAssertEqual(repaired.accepted("ipv4"), Self.goodV4.sorted(), "\(repaired)")
        XCTAssertEqual(repaired.accepted("ipv6"), Self.goodV6.sorted(), "\(repaired)")
        XCTAssertEqual(repaired.ipsets["cfsync-v4"]?.filter { !$0.contains(": ") }, [], "\(repaired)")
        XCTAssertEqual(try adminView(), admin, "the repairs changed the admin's configuration")

        // A reload keeps cfsync's objects: the first check that starts after it ends without a
        // repair (the next one starting says so), and logs nothing above debug.
        let repairs = watching.repairs.count, lines = watching.process.stderr.split(separator: "\n").count
        try firewalld.cmd("--reload")
        let checks = intervalChecks(watching)
        let deadline = Date().addingTimeInterval(30)
        while intervalChecks(watching) < checks + 2, Date() < deadline { usleep(50_000) }
        XCTAssertGreaterThanOrEqual(intervalChecks(watching), checks + 2, "no check ended after the reload:\n\(watching.process.stderr)")
        XCTAssertEqual(watching.repairs.count, repairs, "a reload was repaired:\n\(watching.process.stderr)")
        let after = watching.process.stderr.split(separator: "\n").dropFirst(lines)
        XCTAssertEqual(after.filter { !$0.hasPrefix("cfsync: debug: ") }, [], "after the reload:\n\(watching.process.stderr)")
        XCTAssertEqual(try ownObjectsInStep(), repaired, "firewall-cmd --reload changed cfsync's objects")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after firewall-cmd --reload")
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originListedV4, port: 443, "after firewall-cmd --reload")
        XCTAssertEqual(try adminView(), admin, "the admin's configuration changed")

        // SIGTERM: exit 0 once the check under way ends, and the watch's report on stdout.
        XCTAssertEqual(watching.terminate(), 0, watching.process.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(watching.process.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(report?["command"] as? String, "watch", watching.process.stdout)
        XCTAssertEqual(report?["backend"] as? String, "firewalld", watching.process.stdout)
        XCTAssertEqual(report?["result"] as? String, "applied", watching.process.stdout)
        XCTAssertEqual((report?["last_repair"] as? [String: Any])?["total"] as? Int, 2, watching.process.stdout)
    }

    /// firewalld has no generation to refuse a stale change with: a reload between a check's
    /// read and its change (here: the `after-observe` failpoint holds the check there) must
    /// make it read and plan again, not apply the stale plan, fail the read-back and restore
    /// the stale read. After the reload everything is in place: nothing to repair.
    func testAReloadAfterACheckReadMakesItReadAndPlanAgain() throws {
        try serveGoodLists()
        try applied()
        let objects = try ownObjectsInStep()
        try firewalld.cmd("--ipset=cfsync-v4", "--remove-entry=104.16.0.0/12")
        let watching = try watch(["CFSYNC_FAILPOINT": "after-observe"])
        let pause = "cfsync: failpoint after-observe"
        _ = try watching.process.waitForLine(startingWith: pause, onStderr: true, timeout: 30)
        try firewalld.cmd("--reload")
        for _ in 0..<10 { watching.process.writeLine("") }
        let deadline = Date().addingTimeInterval(30)
        while watching.process.stderr.components(separatedBy: pause).count - 1 < 3, Date() < deadline { usleep(50_000) }

        let log = watching.process.stderr
        XCTAssertTrue(log.contains("reading it and planning again"), log)
        XCTAssertEqual(watching.repairs, [], log)
        XCTAssertFalse(log.contains("failed"), log)
        XCTAssertEqual(try ownObjectsInStep(), objects, "\(log)")
        XCTAssertEqual(watching.terminate(), 0, watching.process.stderr)
    }
}
