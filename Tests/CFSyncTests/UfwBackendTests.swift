import CFSyncCore
import CFSyncTestSupport
import XCTest

@testable import CFSync

/// UfwBackend against a private copy of ufw's files and a scripted runner that
/// asserts the exact argv and stdin of every command.
final class UfwBackendTests: XCTestCase {
    var root: URL!
    var paths: UfwPaths {
        UfwPaths(root: root.path, defaults: root.appendingPathComponent("default-ufw").path, lock: root.appendingPathComponent("ufw.lock").path)
    }
    let policy = Policy(mode: .lockdown, ports: [80, 443], families: [.ipv4, .ipv6])
    let lists = AddressLists(ipv4: v4("104.16.0.0/12", "173.245.48.0/20"), ipv6: v6("2606:4700::/32"))

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ufw")

    /// ufw's fixture files without cfsync's rules: a host before cfsync's first run.
    var userRules = ""
    var user6Rules = ""

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cfsync-ufw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        userRules = try strip(String(contentsOf: Self.fixtures.appendingPathComponent("user.rules"), encoding: .utf8))
        user6Rules = try strip(String(contentsOf: Self.fixtures.appendingPathComponent("user6.rules"), encoding: .utf8))
        try write("ufw.conf", "# ufw.conf\nENABLED=yes\nLOGLEVEL=low\n")
        try write("default-ufw", "IPV6=yes\nDEFAULT_INPUT_POLICY=\"DROP\"\n")
        try write("user.rules", userRules)
        try write("user6.rules", user6Rules)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: root)
    }

    func strip(_ text: String) throws -> String { try UfwRulesFile(parsing: text, name: "fixture").replacingOwn(with: []).text }
    func write(_ name: String, _ text: String) throws { try text.write(to: root.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    func read(_ name: String) throws -> String { try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8) }

    /// What `iptables -S` prints for a chain loaded from `file`: one line per `-A` of that chain.
    func chain(_ family: Family, from file: String) -> CommandResult {
        let name = UfwLayout.inputChain(family)
        let rules = file.split(separator: "\n").filter { $0.hasPrefix("-A \(name) ") }
        return CommandResult(status: 0, stdout: (["-N \(name)"] + rules).joined(separator: "\n") + "\n")
    }

    func listSteps(_ v4: String, _ v6: String?) -> [ScriptedRunner.Step] {
        var steps: [ScriptedRunner.Step] = [.init(argv: ["iptables", "-w", "60", "-S", "ufw-user-input"], stdin: nil, result: chain(.ipv4, from: v4))]
        if let v6 { steps.append(.init(argv: ["ip6tables", "-w", "60", "-S", "ufw6-user-input"], stdin: nil, result: chain(.ipv6, from: v6))) }
        return steps
    }

    func loadSteps(_ texts: [(String, String)]) -> [ScriptedRunner.Step] {
        texts.map { .init(argv: [$0.0, "--test", "-n"], stdin: $0.1, result: CommandResult(status: 0)) }
            + texts.map { .init(argv: [$0.0, "-n"], stdin: $0.1, result: CommandResult(status: 0)) }
    }

    func expected(_ text: String, _ family: Family, _ lists: AddressLists) throws -> String {
        try UfwRulesFile(parsing: text, name: "x").replacingOwn(with: UfwRenderer.blocks(policy, lists, family)).text
    }

    func testRefusesToEnableAnInactiveUfw() throws {
        try write("ufw.conf", "ENABLED=no\n")
        XCTAssertThrowsError(try UfwBackend(paths: paths, runner: ScriptedRunner([]))) { error in
            XCTAssertEqual((error as? CFSyncError)?.exit, .error)
            XCTAssertEqual((error as? CFSyncError)?.message,
                "--backend ufw: ufw is installed but not active (ENABLED=no in \(paths.conf)); cfsync never enables a firewall (that can lock you out): run 'ufw enable' yourself or use --backend nftables")
        }
    }

    func testFirstApplyWritesBothFilesAndLoadsEachOnceWithoutAUfwReload() throws {
        let new4 = try expected(userRules, .ipv4, lists), new6 = try expected(user6Rules, .ipv6, lists)
        let runner = ScriptedRunner(listSteps(userRules, user6Rules)
            + loadSteps([("iptables-restore", new4), ("ip6tables-restore", new6)])
            + listSteps(new4, new6))
        let backend = try UfwBackend(paths: paths, runner: runner)
        let observed = try backend.observe(policy)
        XCTAssertEqual(observed.installed, .absent)
        let plan = SyncPlan(policy: policy, desired: lists, installed: observed.installed)
        _ = try backend.apply(plan, over: observed)
        XCTAssertEqual(try read("user.rules"), new4)
        XCTAssertEqual(try read("user6.rules"), new6)
        XCTAssertEqual(try backend.observe(policy).installed, InstalledState(structure: .matches, lists: lists))
        runner.assertDone()
    }

    func testNothingToChangeRunsNothing() throws {
        try write("user.rules", try expected(userRules, .ipv4, lists))
        try write("user6.rules", try expected(user6Rules, .ipv6, lists))
        let runner = ScriptedRunner(listSteps(try read("user.rules"), try read("user6.rules")))
        let backend = try UfwBackend(paths: paths, runner: runner)
        let observed = try backend.observe(policy)
        let plan = SyncPlan(policy: policy, desired: lists, installed: observed.installed)
        XCTAssertTrue(plan.isEmpty)
        _ = try backend.apply(plan, over: observed)
        runner.assertDone()
    }

    /// Only the changed family is loaded; rules are matched by content, so renumbering cannot matter.
    func testSplitTouchesOnlyIPv4() throws {
        try write("user.rules", try expected(userRules, .ipv4, lists))
        try write("user6.rules", try expected(user6Rules, .ipv6, lists))
        var desired = lists
        desired.ipv4 = v4("104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20")
        let new4 = try expected(userRules, .ipv4, desired)
        let runner = ScriptedRunner(listSteps(try read("user.rules"), try read("user6.rules")) + loadSteps([("iptables-restore", new4)]))
        let backend = try UfwBackend(paths: paths, runner: runner)
        let observed = try backend.observe(policy)
        let plan = SyncPlan(policy: policy, desired: desired, installed: observed.installed)
        XCTAssertEqual(plan.ipv4.remove, v4("104.16.0.0/12"))
        _ = try backend.apply(plan, over: observed)
        XCTAssertEqual(try read("user.rules"), new4)
        runner.assertDone()
    }

    func testIPv6OffInUfwManagesIPv4OnlyAndLeavesUser6RulesAlone() throws {
        try write("default-ufw", "IPV6=no\n")
        let v4only = AddressLists(ipv4: lists.ipv4)
        let v4policy = Policy(mode: .lockdown, ports: [80, 443], families: [.ipv4])
        let new4 = try UfwRulesFile(parsing: userRules, name: "x").replacingOwn(with: UfwRenderer.blocks(v4policy, v4only, .ipv4)).text
        let runner = ScriptedRunner(listSteps(userRules, nil) + loadSteps([("iptables-restore", new4)]))
        let backend = try UfwBackend(paths: paths, runner: runner)
        XCTAssertEqual(backend.unavailableFamilies, [.ipv6: "ufw has IPV6=no in \(paths.defaults): managing IPv4 only; ufw does not filter IPv6 here"])
        let observed = try backend.observe(v4policy)
        _ = try backend.apply(SyncPlan(policy: v4policy, desired: v4only, installed: observed.installed), over: observed)
        XCTAssertEqual(try read("user6.rules"), user6Rules)
        runner.assertDone()
    }

    func testKernelThatDidNotLoadTheFileIsDrift() throws {
        try write("user.rules", try expected(userRules, .ipv4, lists))
        try write("user6.rules", try expected(user6Rules, .ipv6, lists))
        let runner = ScriptedRunner([
            .init(argv: ["iptables", "-w", "60", "-S", "ufw-user-input"], stdin: nil, result: chain(.ipv4, from: userRules)),
            .init(argv: ["ip6tables", "-w", "60", "-S", "ufw6-user-input"], stdin: nil, result: CommandResult(status: 1, stderr: "No chain/target/match by that name.")),
        ])
        let state = try UfwBackend(paths: paths, runner: runner).observe(policy).installed
        XCTAssertEqual(state.structure, .differs([
            "chain ufw-user-input lacks rule 8 of user.rules (-A ufw-user-input -p tcp -m multiport --dports 80,443 -s 104.16.0.0/12 -j ACCEPT): edited without loading?",
            "chain ufw6-user-input is not loaded (is ufw running?)",
        ]))
        runner.assertDone()
    }

    /// As many rules as the file, but one of them another: the read-back compares rules, not counts.
    func testKernelWithTheRightCountButAnotherRuleIsDrift() throws {
        let new4 = try expected(userRules, .ipv4, lists), new6 = try expected(user6Rules, .ipv6, lists)
        try write("user.rules", new4)
        try write("user6.rules", new6)
        let other = new4.replacingOccurrences(of: "-s 173.245.48.0/20", with: "-s 173.245.0.0/16")
        let runner = ScriptedRunner([
            .init(argv: ["iptables", "-w", "60", "-S", "ufw-user-input"], stdin: nil, result: chain(.ipv4, from: other)),
            .init(argv: ["ip6tables", "-w", "60", "-S", "ufw6-user-input"], stdin: nil, result: chain(.ipv6, from: new6)),
        ])
        let state = try UfwBackend(paths: paths, runner: runner).observe(policy).installed
        XCTAssertEqual(state.structure, .differs([
            "chain ufw-user-input rule 9 is -A ufw-user-input -p tcp -m multiport --dports 80,443 -s 173.245.0.0/16 -j ACCEPT"
                + " but user.rules has -A ufw-user-input -p tcp -m multiport --dports 80,443 -s 173.245.48.0/20 -j ACCEPT: edited without loading?",
        ]))
        runner.assertDone()
    }

    /// `--forward` needs a forward path ufw's rules do not give cfsync: plan and apply refuse
    /// it (exit 64) before reading or changing anything.
    func testForwardIsRefusedWithExit64AndNothingChanges() throws {
        try assertRefused({ $0.forward = true },
            "--forward: the ufw backend cannot protect ports published to containers (ufw's route rules see the port after DNAT, and Docker's accepts come before them); use --backend nftables or iptables")
    }

    /// ufw has no ipset sets: `--ipset` is refused (exit 64), not ignored.
    func testIpsetIsRefusedWithExit64AndNothingChanges() throws {
        try assertRefused({ $0.ipset = true },
            "--ipset: the ufw backend keeps one ufw rule per prefix in ufw's own files and has no ipset sets; --ipset is for --backend iptables")
    }

    func assertRefused(_ option: (inout Settings) -> Void, _ message: String, line: UInt = #line) throws {
        var settings = Settings()
        settings.stateDir = root.appendingPathComponent("state").path
        option(&settings)
        try write("v4", "104.16.0.0/12\n")
        try write("v6", "2606:4700::/32\n")
        settings.sourceV4 = "file://" + root.appendingPathComponent("v4").path
        settings.sourceV6 = "file://" + root.appendingPathComponent("v6").path
        let runner = ScriptedRunner([])
        let backend = try UfwBackend(paths: paths, runner: runner)
        for outcome in [Syncer(settings: settings, backend: backend).plan(), Syncer(settings: settings, backend: backend).apply()] {
            XCTAssertEqual(outcome.exit, .usage, line: line)
            XCTAssertEqual(outcome.report.error, message, line: line)
        }
        XCTAssertEqual(try read("user.rules"), userRules, line: line)
        XCTAssertEqual(try read("user6.rules"), user6Rules, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: settings.stateDir), line: line)
        runner.assertDone()
    }

    func testSnapshotAndRestoreTouchOnlyCFSyncsRules() throws {
        let with4 = try expected(userRules, .ipv4, lists), with6 = try expected(user6Rules, .ipv6, lists)
        try write("user.rules", with4)
        try write("user6.rules", with6)
        let runner = ScriptedRunner(loadSteps([("iptables-restore", userRules), ("ip6tables-restore", user6Rules)])
            + loadSteps([("iptables-restore", with4), ("ip6tables-restore", with6)]))
        let backend = try UfwBackend(paths: paths, runner: runner)
        let dump = try backend.snapshot()
        XCTAssertEqual(dump, """
            # user.rules
            ### tuple ### allow tcp 80,443 0.0.0.0/0 any 104.16.0.0/12 in comment=636673796e63
            -A ufw-user-input -p tcp -m multiport --dports 80,443 -s 104.16.0.0/12 -j ACCEPT
            ### tuple ### allow tcp 80,443 0.0.0.0/0 any 173.245.48.0/20 in comment=636673796e63
            -A ufw-user-input -p tcp -m multiport --dports 80,443 -s 173.245.48.0/20 -j ACCEPT
            ### tuple ### deny tcp 80,443 0.0.0.0/0 any 0.0.0.0/0 in comment=636673796e63206c6f636b646f776e
            -A ufw-user-input -p tcp -m multiport --dports 80,443 -j DROP
            # user6.rules
            ### tuple ### allow tcp 80,443 ::/0 any 2606:4700::/32 in comment=636673796e63
            -A ufw6-user-input -p tcp -m multiport --dports 80,443 -s 2606:4700::/32 -j ACCEPT
            ### tuple ### deny tcp 80,443 ::/0 any ::/0 in comment=636673796e63206c6f636b646f776e
            -A ufw6-user-input -p tcp -m multiport --dports 80,443 -j DROP

            """)
        try backend.restore("")
        XCTAssertEqual(try read("user.rules"), userRules)
        XCTAssertEqual(try read("user6.rules"), user6Rules)
        XCTAssertEqual(try backend.snapshot(), "")
        try backend.restore(dump)
        XCTAssertEqual(try read("user.rules"), with4)
        XCTAssertEqual(try backend.snapshot(), dump)
        runner.assertDone()
    }

    /// A file iptables-restore rejects is never written.
    func testRejectedRulesAreNotWritten() throws {
        let new4 = try expected(userRules, .ipv4, lists)
        let runner = ScriptedRunner(listSteps(userRules, user6Rules) + [
            .init(argv: ["iptables-restore", "--test", "-n"], stdin: new4, result: CommandResult(status: 2, stderr: "iptables-restore: line 40 failed\n")),
        ])
        let backend = try UfwBackend(paths: paths, runner: runner)
        let observed = try backend.observe(policy)
        let plan = SyncPlan(policy: policy, desired: lists, installed: observed.installed)
        XCTAssertThrowsError(try backend.apply(plan, over: observed)) { error in
            XCTAssertEqual((error as? CFSyncError)?.message, "iptables-restore --test -n exited 2: iptables-restore: line 40 failed")
        }
        XCTAssertEqual(try read("user.rules"), userRules)
        runner.assertDone()
    }

    func testScriptIsTheDryRun() throws {
        let backend = try UfwBackend(paths: paths, runner: ScriptedRunner([]))
        let plan = SyncPlan(policy: policy, desired: lists, installed: .absent)
        XCTAssertEqual(backend.script(for: plan), UfwRenderer.script(for: plan))
    }
}

extension UfwBackendTests {
    /// Writes user.rules with an `allow 443/tcp` from anywhere added last; returns the text.
    func writeBroadAllow() throws -> String {
        let broad = userRules.replacingOccurrences(of: "### END RULES ###", with: """
            ### tuple ### allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in
            -A ufw-user-input -p tcp --dport 443 -j ACCEPT

            ### END RULES ###
            """)
        try write("user.rules", broad)
        return broad
    }

    /// An `allow 443/tcp` from anywhere before cfsync's deny makes lockdown moot: say so.
    func testEarlierBroaderAllowIsAWarningAndADoctorFinding() throws {
        let broad = try writeBroadAllow()
        let runner = ScriptedRunner(listSteps(broad, user6Rules) + listSteps(broad, user6Rules))
        let backend = try UfwBackend(paths: paths, runner: runner)
        // Before cfsync's first run its rules will go last, so every earlier allow counts
        // ("WWW Full" and 203.0.113.0/24 in the fixture, and the new one).
        let moot = { (n: Int, what: String, family: String, ports: String) in
            "ufw rule \(n) (\(what)) accepts \(family) sources outside cfsync's list on tcp \(ports) before cfsync's deny: lockdown is moot for them"
        }
        let expected = [
            moot(4, "allow tcp port 80,443 from anywhere", "IPv4", "80,443"),
            moot(6, "allow tcp port 443 from 203.0.113.0/24", "IPv4", "443"),
            moot(7, "allow tcp port 443 from anywhere", "IPv4", "443"),
            moot(10, "allow tcp port 80,443 from anywhere", "IPv6", "80,443"),
        ]
        let observed = try backend.observe(policy)
        XCTAssertEqual(backend.warnings(for: SyncPlan(policy: policy, desired: lists, installed: observed.installed), over: observed), expected)
        let findings = backend.diagnose(policy)
        XCTAssertEqual(findings.filter { $0.status == .warning }.map(\.detail), expected)
        runner.assertDone()
    }
}

extension UfwBackendTests {
    /// A run reads ufw's files once: the plan's warnings come from that observation, not from
    /// another read (here the files are gone after it).
    func testWarningsComeFromTheObservedFiles() throws {
        let broad = try writeBroadAllow()
        let runner = ScriptedRunner(listSteps(broad, user6Rules))
        let backend = try UfwBackend(paths: paths, runner: runner)
        let observed = try backend.observe(policy)
        try FileManager.default.removeItem(at: root.appendingPathComponent("user.rules"))
        let warnings = backend.warnings(for: SyncPlan(policy: policy, desired: lists, installed: observed.installed), over: observed)
        XCTAssertTrue(warnings.contains { $0.hasPrefix("ufw rule 7 (allow tcp port 443 from anywhere)") }, "\(warnings)")
        runner.assertDone()
    }
}
