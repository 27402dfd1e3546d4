import CFSyncCore
import CFSyncTestSupport
import XCTest

@testable import CFSync

final class IptablesBackendTests: XCTestCase {
    static let empty = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"
    static let installed = """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :CFSYNC-INPUT - [0:0]
        -A INPUT -p tcp -m tcp --dport 443 -j CFSYNC-INPUT
        -A CFSYNC-INPUT -i lo -j RETURN
        -A CFSYNC-INPUT -m set --match-set cfsync-v4 src -j ACCEPT
        -A CFSYNC-INPUT -j DROP
        COMMIT

        """
    let policy = Policy(mode: .lockdown, ports: [443], families: [.ipv4, .ipv6], ipset: true)
    let lists = AddressLists(ipv4: v4("104.16.0.0/12"), ipv6: v6("2606:4700::/32"))

    /// A read of the tables and sets; `v6` nil: ip6tables is not asked (IPv6 unavailable).
    func read(_ variant: String, v4: String, v6: CommandResult?, ipset: String) -> [ScriptedRunner.Step] {
        [.init(argv: ["iptables-\(variant)-save", "-t", "filter"], stdin: nil, result: CommandResult(status: 0, stdout: v4))]
            + (v6.map { [Self.probe(variant, $0)] } ?? [])
            + [.init(argv: ["ipset", "save"], stdin: nil, result: CommandResult(status: 0, stdout: ipset))]
    }

    /// `ip6tables-*-save -t filter`: run once when the backend is made (can IPv6 be filtered
    /// here?), and by each read while it can.
    static func probe(_ variant: String, _ result: CommandResult = CommandResult(status: 0, stdout: empty)) -> ScriptedRunner.Step {
        .init(argv: ["ip6tables-\(variant)-save", "-t", "filter"], stdin: nil, result: result)
    }

    static func saved(_ tool: String, _ rules: Int, status: Int32 = 0) -> ScriptedRunner.Step {
        let text = "*filter\n:INPUT ACCEPT [0:0]\n" + String(repeating: "-A INPUT -j ACCEPT\n", count: rules) + "COMMIT\n"
        return .init(argv: [tool], stdin: nil, result: CommandResult(status: status, stdout: status == 0 ? text : ""))
    }

    static func version(_ variant: String) -> ScriptedRunner.Step {
        .init(argv: ["iptables", "-V"], stdin: nil, result: CommandResult(status: 0, stdout: "iptables v1.8.9 (\(variant))\n"))
    }

    /// The backend made after `steps` detected `expected` (and then probed that variant's ip6tables).
    func assertDetects(_ steps: [ScriptedRunner.Step], _ expected: IptablesVariant.Detection, line: UInt = #line) throws {
        let runner = ScriptedRunner(steps + [Self.probe(expected.variant.rawValue)])
        XCTAssertEqual(try IptablesBackend(runner: runner, environment: [:]).detection, expected, line: line)
        runner.assertDone()
    }

    /// Where the rules are decides; the alternative (`iptables -V`) only breaks a tie.
    func testDetectsTheVariantWhereTheRulesAre() throws {
        // Rules in legacy while iptables points at nft: legacy.
        try assertDetects([Self.saved("iptables-legacy-save", 3), Self.saved("ip6tables-legacy-save", 1), Self.version("nf_tables"),
                           Self.saved("iptables-nft-save", 0), Self.saved("ip6tables-nft-save", 0)],
                          .init(variant: .legacy, reason: "4 rules in legacy xtables, 0 in nf_tables"))
        // Rules in nft while iptables points at legacy (whose tools may fail to read): nft.
        try assertDetects([Self.saved("iptables-legacy-save", 0, status: 1), Self.saved("ip6tables-legacy-save", 0),
                           Self.version("legacy"), Self.saved("iptables-nft-save", 2), Self.saved("ip6tables-nft-save", 0)],
                          .init(variant: .nft, reason: "0 rules in legacy xtables, 2 in nf_tables"))
        // A tie: the alternative decides.
        try assertDetects([Self.saved("iptables-legacy-save", 0), Self.saved("ip6tables-legacy-save", 0), Self.version("legacy"),
                           Self.saved("iptables-nft-save", 0), Self.saved("ip6tables-nft-save", 0)],
                          .init(variant: .legacy, reason: "0 rules in legacy xtables, 0 in nf_tables: iptables (alternatives) decides"))
        // Nothing in legacy and iptables is nft: nf_tables is not dumped at all.
        try assertDetects([Self.saved("iptables-legacy-save", 0), Self.saved("ip6tables-legacy-save", 0), Self.version("nf_tables")],
                          .init(variant: .nft, reason: "no rules in legacy xtables, and iptables is the nft variant"))
        XCTAssertEqual(try IptablesBackend(runner: ScriptedRunner([Self.probe("legacy")]), environment: ["CFSYNC_IPTABLES_VARIANT": "legacy"]).detection,
                       .init(variant: .legacy, reason: "CFSYNC_IPTABLES_VARIANT=legacy"))
        XCTAssertThrowsError(try IptablesBackend(runner: ScriptedRunner([]), environment: ["CFSYNC_IPTABLES_VARIANT": "x"]))
    }

    /// First apply in ipset mode on a host without IPv6: sets first, then one restore for IPv4 only.
    func testFirstApplyWithIpsetAndNoIPv6() throws {
        let v4Only = Policy(mode: .lockdown, ports: [443], families: [.ipv4], ipset: true)
        let runner = ScriptedRunner([Self.probe("legacy", CommandResult(status: 3, stderr: "ip6tables: Address family not supported"))]
            + read("legacy", v4: Self.empty, v6: nil, ipset: "") + [
            // The xtables lock is taken (and let go) before any set changes.
            .init(argv: ["iptables-legacy", "-w", "60", "-S", "INPUT"], stdin: nil, result: CommandResult(status: 0)),
            .init(argv: ["ipset", "restore"], stdin: """
                create cfsync-v4 hash:net family inet maxelem 65536
                create cfsync-v4-tmp hash:net family inet maxelem 65536
                add cfsync-v4-tmp 104.16.0.0/12
                swap cfsync-v4-tmp cfsync-v4
                destroy cfsync-v4-tmp

                """, result: CommandResult(status: 0)),
            .init(argv: ["iptables-legacy-restore", "-w", "60", "--noflush"], stdin: """
                *filter
                :CFSYNC-INPUT - [0:0]
                -F CFSYNC-INPUT
                -A CFSYNC-INPUT -i lo -j RETURN
                -A CFSYNC-INPUT -m set --match-set cfsync-v4 src -j ACCEPT
                -A CFSYNC-INPUT -j DROP
                -I INPUT 1 -p tcp -m tcp --dport 443 -j CFSYNC-INPUT
                COMMIT

                """, result: CommandResult(status: 0)),
        ])
        let backend = try IptablesBackend(runner: runner, variant: .legacy)
        try backend.apply(SyncPlan(policy: v4Only, desired: AddressLists(ipv4: lists.ipv4), installed: .absent))
        runner.assertDone()
    }

    /// A failing ipset restore leaves no temporary set behind and changes no rule.
    func testFailedSwapDestroysTheTempSet() throws {
        let ipset = "create cfsync-v4 hash:net family inet hashsize 1024 maxelem 65536\nadd cfsync-v4 104.16.0.0/12\n"
        let runner = ScriptedRunner([Self.probe("nft")] + read("nft", v4: Self.installed, v6: CommandResult(status: 0, stdout: ""), ipset: ipset) + [
            .init(argv: ["ipset", "restore"], stdin: """
                create cfsync-v4-tmp hash:net family inet maxelem 65536
                add cfsync-v4-tmp 104.16.0.0/13
                add cfsync-v4-tmp 104.24.0.0/14
                swap cfsync-v4-tmp cfsync-v4
                destroy cfsync-v4-tmp

                """, result: CommandResult(status: 1, stderr: "ipset v7.17: Error in line 4: Kernel error\n")),
            .init(argv: ["ipset", "destroy", "cfsync-v4-tmp"], stdin: nil, result: CommandResult(status: 0)),
        ])
        let backend = try IptablesBackend(runner: runner, variant: .nft)
        let v4Only = Policy(mode: .lockdown, ports: [443], families: [.ipv4], ipset: true)
        let plan = SyncPlan(policy: v4Only, desired: AddressLists(ipv4: v4("104.16.0.0/13", "104.24.0.0/14")),
                            installed: InstalledState(structure: .matches, lists: AddressLists(ipv4: lists.ipv4)))
        XCTAssertThrowsError(try backend.apply(plan)) { error in
            XCTAssertEqual((error as? CFSyncError)?.message, "ipset restore exited 1: ipset v7.17: Error in line 4: Kernel error")
        }
        runner.assertDone()
    }

    /// Observe reads all three tools; the snapshot is the own objects only; restore("") removes them.
    func testObserveSnapshotAndRemove() throws {
        let ipset = "create other hash:ip family inet\ncreate cfsync-v4 hash:net family inet hashsize 1024 maxelem 65536 initval 0x1\nadd cfsync-v4 104.16.0.0/12\n"
        let v6 = CommandResult(status: 0, stdout: Self.empty)
        let runner = ScriptedRunner(
            [Self.probe("nft")] + read("nft", v4: Self.installed, v6: v6, ipset: ipset) + read("nft", v4: Self.installed, v6: v6, ipset: ipset)
            + read("nft", v4: Self.installed, v6: v6, ipset: ipset) + [
                .init(argv: ["iptables-nft-restore", "--noflush"], stdin: """
                    *filter
                    -D INPUT -p tcp -m tcp --dport 443 -j CFSYNC-INPUT
                    -F CFSYNC-INPUT
                    -X CFSYNC-INPUT
                    COMMIT

                    """, result: CommandResult(status: 0)),
                .init(argv: ["ipset", "restore"], stdin: "destroy cfsync-v4\n", result: CommandResult(status: 0)),
            ])
        let backend = try IptablesBackend(runner: runner, variant: .nft)
        let v4Only = Policy(mode: .lockdown, ports: [443], families: [.ipv4], ipset: true)
        XCTAssertEqual(try backend.observe(v4Only).installed, InstalledState(structure: .matches, lists: AddressLists(ipv4: lists.ipv4)))
        XCTAssertEqual(try backend.snapshot(), """
            *iptables
            :CFSYNC-INPUT
            -A CFSYNC-INPUT -i lo -j RETURN
            -A CFSYNC-INPUT -m set --match-set cfsync-v4 src -j ACCEPT
            -A CFSYNC-INPUT -j DROP
            -I INPUT 1 -p tcp -m tcp --dport 443 -j CFSYNC-INPUT
            *ipset
            create cfsync-v4 hash:net family inet maxelem 65536
            add cfsync-v4 104.16.0.0/12

            """)
        try backend.restore("")
        runner.assertDone()
    }
}

final class IptablesIPv6UnavailableTests: XCTestCase {
    /// ip6tables is asked once, when the backend is made: every later question of the run
    /// (the policy's families, the warnings, each read) takes that answer.
    func testWithoutIp6tablesIPv6IsUnavailableWithAReasonAskedOnce() throws {
        let unreadable = CommandResult(status: 1, stderr: "ip6tables-nft-save: Address family not supported by protocol\n")
        let read: [ScriptedRunner.Step] = [
            .init(argv: ["iptables-nft-save", "-t", "filter"], stdin: nil, result: CommandResult(status: 0, stdout: IptablesBackendTests.empty)),
            .init(argv: ["ipset", "save"], stdin: nil, result: CommandResult(status: 0)),
        ]
        let runner = ScriptedRunner([IptablesBackendTests.probe("nft", unreadable)] + read + read)
        let backend = try IptablesBackend(runner: runner, variant: .nft)
        for _ in 1...3 {
            XCTAssertEqual(backend.unavailableFamilies, [.ipv6: "ip6tables-nft-save cannot read the filter table (IPv6 disabled?): managing IPv4 only"])
        }
        let v4Only = Policy(mode: .lockdown, ports: [443], families: [.ipv4])
        XCTAssertEqual(try backend.observe(v4Only).installed, .absent)
        XCTAssertEqual(try backend.snapshot(), "")
        runner.assertDone()
    }
}

/// Legacy xtables: every change waits at most --lock-timeout for /run/xtables.lock.
final class IptablesXtablesLockTests: XCTestCase {
    static let held = CommandResult(status: 4, stderr: "Another app is currently holding the xtables lock. Stopped waiting after 3s.\n")

    func testAHeldLockIsExitFourNamingTheLock() throws {
        let policy = Policy(mode: .lockdown, ports: [443], families: [.ipv4], ipset: false)
        let desired = AddressLists(ipv4: v4("104.16.0.0/12"))
        let current = IptablesState(ipv4: try IptablesTable(save: IptablesBackendTests.empty), ipv6: nil, sets: [])
        let text = IptablesTransition(from: current, to: IptablesLayout(policy: policy).objects(desired, current: current)).restores[0].text
        let runner = ScriptedRunner([
            IptablesBackendTests.probe("legacy", CommandResult(status: 1)),
            .init(argv: ["iptables-legacy-save", "-t", "filter"], stdin: nil, result: CommandResult(status: 0, stdout: IptablesBackendTests.empty)),
            .init(argv: ["ipset", "save"], stdin: nil, result: CommandResult(status: 0)),
            .init(argv: ["iptables-legacy-restore", "-w", "3", "--noflush"], stdin: text, result: Self.held),
        ])
        let backend = try IptablesBackend(runner: runner, variant: .legacy, lockTimeout: 2.5)
        XCTAssertThrowsError(try backend.apply(SyncPlan(policy: policy, desired: desired, installed: .absent))) { error in
            XCTAssertEqual(error as? CFSyncError, CFSyncError(.locked, "/run/xtables.lock is held by another program (Docker? fail2ban?): "
                + "iptables-legacy-restore stopped waiting for it after 3 s (--lock-timeout)"))
        }
        runner.assertDone()
    }
}

extension IptablesBackend {
    /// The apply reads the tables itself; a run's observation only feeds its snapshot.
    func apply(_ plan: SyncPlan) throws {
        _ = try apply(plan, over: Observation(installed: .absent, dump: { "" }))
    }
}
