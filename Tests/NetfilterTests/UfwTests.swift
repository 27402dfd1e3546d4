import CFSyncCore
import Foundation
import XCTest

/// The ufw backend on a real kernel, with another user rule besides `allow 22/tcp`.
final class UfwTests: UfwNetfilterCase {
    override func addRules() throws {
        try ufw.ufw("allow", "from", "198.51.100.0/24", "to", "any", "port", "8080", "proto", "tcp", "comment", "monitoring")
    }

    func cfsyncUfw(_ command: String, _ extra: [String] = []) throws -> CFSyncRun {
        CFSyncRun(process: try ufw.run(try cfsyncArguments(command, extra, backend: "ufw", json: true)))
    }

    @discardableResult
    func applied(_ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> CFSyncRun {
        let run = try cfsyncUfw("apply", extra)
        XCTAssertEqual(run.status, 0, "\(run)", file: file, line: line)
        if run.status != 0 { throw SubprocessError(description: "apply failed") }
        return run
    }

    /// Everything that is not cfsync's: status rows (without numbers) and both files minus cfsync's entries.
    func othersSnapshot() throws -> [String] {
        try ufw.statusRows().filter { !$0.isCFSync }.map(\.text)
            + [try ufw.rulesFileWithoutCFSync(.ipv4), try ufw.rulesFileWithoutCFSync(.ipv6)]
    }

    func cfsyncRows() throws -> [String] { try ufw.statusRows().filter(\.isCFSync).map(\.text) }

    func testApplyAllowsListedDropsOthersKeepsUserRulesAndIsIdempotent() throws {
        try serveGoodLists()
        let others = try othersSnapshot()
        // ufw's default deny already drops 443; 22 is open to everyone.
        try assertDropped(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "before apply")

        let run = try applied()
        XCTAssertEqual(run.string("result"), "applied", "\(run)")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 80)
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443)
        try assertConnects(from: Address.clientListedV6, to: Address.originListedV6, port: 443)
        try assertDropped(from: Address.clientUnlistedV6, to: Address.originUnlistedV6, port: 443)
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 22)
        try assertConnects(from: Address.clientUnlistedV6, to: Address.originUnlistedV6, port: 22)

        XCTAssertEqual(try othersSnapshot(), others, "rules cfsync did not create changed")
        XCTAssertEqual(try cfsyncRows(), [
            "80,443/tcp | ALLOW IN | 104.16.0.0/12 # cfsync",
            "80,443/tcp | ALLOW IN | 173.245.48.0/20 # cfsync",
            "80,443/tcp | DENY IN | Anywhere # cfsync lockdown",
            "80,443/tcp | ALLOW IN | 2606:4700::/32 # cfsync",
            "80,443/tcp (v6) | DENY IN | Anywhere (v6) # cfsync lockdown",
        ])
        // The kernel holds what ufw's files say (read with iptables, not cfsync).
        let chain = try origin.check(["iptables", "-S", "ufw-user-input"]).stdout
        XCTAssertTrue(chain.contains("-A ufw-user-input -s 104.16.0.0/12 -p tcp -m multiport --dports 80,443 -j ACCEPT"), chain)

        let files = [try ufw.rulesFile(.ipv4), try ufw.rulesFile(.ipv6)]
        let count = try ufw.statusRows().count
        let again = try cfsyncUfw("apply", ["--detailed-exitcode"])
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.string("result"), "unchanged", "\(again)")
        XCTAssertEqual(try ufw.statusRows().count, count, "second apply added rules")
        XCTAssertEqual([try ufw.rulesFile(.ipv4), try ufw.rulesFile(.ipv6)], files)
    }

    /// The 2021 change, with a user rule added between runs (rule numbers shift).
    func testSplitRemovesExactlyTheOldRuleWithoutAGapAndSurvivesRenumbering() throws {
        try serveGoodLists()
        try applied()
        try ufw.ufw("insert", "1", "allow", "from", "192.0.2.99", "to", "any", "port", "25", "proto", "tcp")
        let others = try othersSnapshot()
        try writeList("ips-v4", ["104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20"])

        let prober = try ContinuousProber(in: client, from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        usleep(300_000)
        let run = try applied()
        usleep(300_000)
        let stats = try prober.stop()

        XCTAssertEqual(run.changes, ["ipv4": ["add": ["104.16.0.0/13", "104.24.0.0/14"], "remove": ["104.16.0.0/12"]], "ipv6": noChange], "\(run)")
        XCTAssertEqual(stats.failed, 0, "connections failed during apply: \(stats)")
        XCTAssertEqual(try othersSnapshot(), others)
        XCTAssertEqual(try cfsyncRows().filter { $0.contains("ALLOW") && !$0.contains("2606") }, [
            "80,443/tcp | ALLOW IN | 104.16.0.0/13 # cfsync",
            "80,443/tcp | ALLOW IN | 104.24.0.0/14 # cfsync",
            "80,443/tcp | ALLOW IN | 173.245.48.0/20 # cfsync",
        ])
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after the split")
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "after the split")
    }

    func testRollbackAndRemoveAreExact() throws {
        try serveGoodLists()
        let pristine = [try ufw.rulesFile(.ipv4), try ufw.rulesFile(.ipv6)]
        try applied()
        let first = [try ufw.rulesFile(.ipv4), try ufw.rulesFile(.ipv6)]
        try writeList("ips-v4", ["173.245.48.0/20"])
        try applied(["--force"])
        try assertDropped(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "104.16/12 withdrawn")

        let rollback = try cfsyncUfw("rollback")
        XCTAssertEqual(rollback.status, 0, "\(rollback)")
        XCTAssertEqual([try ufw.rulesFile(.ipv4), try ufw.rulesFile(.ipv6)], first, "rollback is not byte-exact")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after rollback")

        let remove = try cfsyncUfw("remove")
        XCTAssertEqual(remove.status, 0, "\(remove)")
        XCTAssertEqual([try ufw.rulesFile(.ipv4), try ufw.rulesFile(.ipv6)], pristine, "remove left something behind")
        XCTAssertEqual(try cfsyncRows(), [])
        XCTAssertEqual(try origin.check(["iptables", "-S", "ufw-user-input"]).stdout.contains("104.16.0.0/12"), false)
        try assertDropped(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after remove (ufw's default deny)")
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 22, "after remove")
    }

    func testNeverEnablesAnInactiveUfw() throws {
        try serveGoodLists()
        try ufw.ufw("disable")
        let before = [try ufw.rulesFile(.ipv4), try String(contentsOf: ufw.etcUfw.appendingPathComponent("ufw.conf"), encoding: .utf8)]
        let run = try cfsyncUfw("apply")
        XCTAssertEqual(run.status, 1, "\(run)")
        XCTAssertTrue(run.string("error")?.contains("ufw is installed but not active") == true, "\(run)")
        XCTAssertEqual([try ufw.rulesFile(.ipv4), try String(contentsOf: ufw.etcUfw.appendingPathComponent("ufw.conf"), encoding: .utf8)], before)
    }

    /// ufw has no exact forward path for cfsync: `--forward` is refused, never ignored.
    func testForwardIsRefusedWithExit64AndChangesNothing() throws {
        try serveGoodLists()
        let files = [try ufw.rulesFile(.ipv4), try ufw.rulesFile(.ipv6)]
        for command in ["plan", "apply"] {
            let run = try cfsyncUfw(command, ["--forward"])
            XCTAssertEqual(run.status, 64, "\(run)")
            XCTAssertTrue(run.string("error")?.hasPrefix("--forward: the ufw backend cannot protect ports published to containers") == true, "\(run)")
        }
        XCTAssertEqual([try ufw.rulesFile(.ipv4), try ufw.rulesFile(.ipv6)], files)
        XCTAssertEqual(try stateFiles(), [:])
    }

    /// ufw 0.36 itself: `/usr/sbin/ufw`, paused while it holds its lock (Fixtures/ufw/ufw_paused.py).
    func pausedUfw(_ seconds: Double, _ arguments: String...) throws -> BackgroundProcess {
        let script = NetfilterSuite.fixtures.appendingPathComponent("ufw/ufw_paused.py").path
        let process = try ufw.background(["/usr/bin/python3", script, String(seconds)] + arguments)
        _ = try process.waitForLine(startingWith: "locked")
        return process
    }

    /// A ufw command holding ufw's lock longer than --lock-timeout: exit 4 naming the lock, nothing changed.
    func testHeldUfwLockIsExit4NamingItAndChangesNothing() throws {
        try serveGoodLists()
        let files = [try ufw.rulesFile(.ipv4), try ufw.rulesFile(.ipv6)]
        let holder = try pausedUfw(60)
        let run = try cfsyncUfw("apply", ["--lock-timeout", "1"])
        holder.terminate()
        XCTAssertEqual(run.status, 4, "\(run)")
        XCTAssertTrue(run.string("error")?.contains("/run/ufw.lock") == true, "\(run)")
        XCTAssertEqual(run.process.stderrLines.count, 1, "\(run)")
        XCTAssertGreaterThanOrEqual(run.process.duration, 1, "\(run)")
        XCTAssertEqual([try ufw.rulesFile(.ipv4), try ufw.rulesFile(.ipv6)], files)
        XCTAssertEqual(try cfsyncRows(), [])
    }

    /// The admin's `ufw allow 22/tcp` runs while cfsync applies: cfsync waits for ufw's
    /// lock and edits the files ufw wrote, so both changes survive, in the files and the kernel.
    func testConcurrentUfwAllowIsNotLost() throws {
        try serveGoodLists()
        try ufw.ufw("delete", "allow", "22/tcp")
        let admin = try pausedUfw(3, "allow", "22/tcp")
        let run = try cfsyncUfw("apply")
        XCTAssertEqual(admin.wait(timeout: 30), 0, admin.stderr)
        XCTAssertEqual(run.status, 0, "\(run)")

        let rows = try ufw.statusRows().map(\.text)
        XCTAssertTrue(rows.contains("22/tcp | ALLOW IN | Anywhere"), "\(rows)")
        XCTAssertEqual(try cfsyncRows().count, 5, "\(rows)")
        let chain = try origin.check(["iptables", "-S", "ufw-user-input"]).stdout
        XCTAssertTrue(chain.contains("-A ufw-user-input -p tcp -m tcp --dport 22 -j ACCEPT"), chain)
        XCTAssertTrue(chain.contains("-A ufw-user-input -s 104.16.0.0/12 -p tcp -m multiport --dports 80,443 -j ACCEPT"), chain)
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 22, "the admin's SSH rule")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443)
    }

    func testEarlierBroaderAllowIsReportedAsMakingLockdownMoot() throws {
        try serveGoodLists()
        try ufw.ufw("allow", "443/tcp")
        let run = try applied()
        XCTAssertEqual(run.json?["warnings"] as? [String], [
            "ufw rule 3 (allow tcp port 443 from anywhere) accepts IPv4 sources outside cfsync's list on tcp 443 before cfsync's deny: lockdown is moot for them",
            "ufw rule 5 (allow tcp port 443 from anywhere) accepts IPv6 sources outside cfsync's list on tcp 443 before cfsync's deny: lockdown is moot for them",
        ], "\(run)")
        // And it is true: the unlisted address gets through.
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "moot lockdown")
    }

    func testIPv6OffInUfwManagesIPv4OnlyWithAWarning() throws {
        try serveGoodLists()
        try ufw.setDefault("IPV6", "no")
        try ufw.ufw("reload")
        let user6 = try ufw.rulesFile(.ipv6)
        let run = try applied()
        XCTAssertEqual(run.json?["warnings"] as? [String], ["ufw has IPV6=no in /etc/default/ufw: managing IPv4 only; ufw does not filter IPv6 here"], "\(run)")
        XCTAssertEqual(try ufw.rulesFile(.ipv6), user6)
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        let again = try cfsyncUfw("apply")
        XCTAssertEqual(again.string("result"), "unchanged", "\(again)")
    }

    /// 22 prefixes x 2 ports: cfsync against the seed article's loop of `ufw allow` calls.
    func testTwentyTwoPrefixesTwoPortsIsFastAndBeatsTheShellLoop() throws {
        let v4 = try String(contentsOf: NetfilterSuite.fixtures.appendingPathComponent("cloudflare/ips-v4"), encoding: .utf8)
        let v6 = try String(contentsOf: NetfilterSuite.fixtures.appendingPathComponent("cloudflare/ips-v6"), encoding: .utf8)
        try writeFile("ips-v4", v4)
        try writeFile("ips-v6", v6)
        let prefixes = (v4 + "\n" + v6).split(separator: "\n").map(String.init)
        XCTAssertEqual(prefixes.count, 22)

        let start = Date()
        let run = try applied()
        let cfsyncSeconds = Date().timeIntervalSince(start)
        XCTAssertEqual((run.json?["counts"] as? [String: Int]).map { $0.values.reduce(0, +) }, 22, "\(run)")
        XCTAssertLessThan(cfsyncSeconds, 5, "cfsync apply of 22 prefixes x 2 ports")
        try ufw.run(["/usr/bin/env", NetfilterSuite.cfsyncBinary.path, "remove", "--backend", "ufw", "--state-dir", stateDir.path])
            .succeeded ? () : XCTFail("remove failed")

        let loop = prefixes.map { "ufw allow from \($0) to any port 80 proto tcp >/dev/null && ufw allow from \($0) to any port 443 proto tcp >/dev/null" }
            .joined(separator: " && ")
        let loopStart = Date()
        let shell = try ufw.run(["/bin/sh", "-c", loop], timeout: 600)
        let loopSeconds = Date().timeIntervalSince(loopStart)
        XCTAssertTrue(shell.succeeded, "\(shell)")
        let reloadStart = Date()
        try ufw.ufw("reload")
        let reloadSeconds = Date().timeIntervalSince(reloadStart)
        let report = String(format: "ufw timing: cfsync apply (22 prefixes x 2 ports) %.2f s; seed shell loop (44 ufw allow calls) %.2f s; one ufw reload %.2f s\n",
                            cfsyncSeconds, loopSeconds, reloadSeconds)
        FileHandle.standardError.write(Data(report.utf8))
        try report.write(to: URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("cfsync-ufw-timing.txt"), atomically: true, encoding: .utf8)
    }
}
