import CFSyncCore
import CFSyncTestSupport
import XCTest

/// The iptables transition (restore inputs) and snapshot text, against goldens.
final class IptablesRendererTests: XCTestCase {
    static let builtins = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
    /// A host with its own rules: an SSH accept, a user chain and a jump to it.
    static let hostRules = builtins.replacingOccurrences(of: ":OUTPUT ACCEPT [0:0]\n", with: ":OUTPUT ACCEPT [0:0]\n:MINE - [0:0]\n")
        + "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -j MINE\n-A MINE -s 198.51.100.0/24 -j ACCEPT\nCOMMIT\n"

    let lists = AddressLists(ipv4: v4("104.16.0.0/12", "173.245.48.0/20"), ipv6: v6("2606:4700::/32"))

    func state(_ v4: String = hostRules, _ v6: String? = builtins + "COMMIT\n", sets: [IpsetSet] = []) throws -> IptablesState {
        IptablesState(ipv4: try IptablesTable(save: v4), ipv6: try v6.map { try IptablesTable(save: $0) }, sets: sets)
    }

    func render(_ policy: Policy, _ lists: AddressLists, from current: IptablesState) -> IptablesTransition {
        IptablesTransition(from: current, to: IptablesLayout(policy: policy).objects(lists, current: current))
    }

    func testFirstApplyLockdownBothFamilies() throws {
        let policy = Policy(mode: .lockdown, ports: [443, 80], families: [.ipv4, .ipv6])
        assertGolden(render(policy, lists, from: try state()).description, named: "create-lockdown.iptables")
    }

    func testAllowModeSinglePortHasNoDrop() throws {
        let policy = Policy(mode: .allow, ports: [443], families: [.ipv4])
        assertGolden(render(policy, lists, from: try state()).description, named: "create-allow-v4-443.iptables")
    }

    func testIpsetAndForwardCreateSetsChainsAndDockerUser() throws {
        let policy = Policy(mode: .lockdown, ports: [80, 443], families: [.ipv4, .ipv6], forward: true, ipset: true)
        assertGolden(render(policy, lists, from: try state()).description, named: "create-ipset-forward.iptables")
    }

    /// Installed as asked: the split rewrites only the own chain, in one commit, jumps untouched.
    func testSplitRewritesOnlyTheOwnChain() throws {
        let policy = Policy(mode: .lockdown, ports: [80, 443], families: [.ipv4, .ipv6])
        let installed = try applied(policy, lists)
        var split = lists
        split.ipv4 = v4("104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20")
        XCTAssertEqual(render(policy, split, from: installed).description, """
            # iptables-restore --noflush
            *filter
            :CFSYNC-INPUT - [0:0]
            -F CFSYNC-INPUT
            -A CFSYNC-INPUT -i lo -j RETURN
            -A CFSYNC-INPUT -s 104.16.0.0/13 -j ACCEPT
            -A CFSYNC-INPUT -s 104.24.0.0/14 -j ACCEPT
            -A CFSYNC-INPUT -s 173.245.48.0/20 -j ACCEPT
            -A CFSYNC-INPUT -j DROP
            COMMIT

            """)
        XCTAssertTrue(render(policy, lists, from: installed).isEmpty)
    }

    /// ipset mode: a list change is one temp set swapped in; iptables is not touched.
    func testIpsetChangeIsATempSetSwap() throws {
        let policy = Policy(mode: .lockdown, ports: [80, 443], families: [.ipv4], ipset: true)
        let installed = try applied(policy, lists)
        var split = lists
        split.ipv4 = v4("104.16.0.0/13", "104.24.0.0/14")
        let steps = render(policy, split, from: installed)
        XCTAssertEqual(steps.description, """
            # ipset restore
            create cfsync-v4-tmp hash:net family inet maxelem 65536
            add cfsync-v4-tmp 104.16.0.0/13
            add cfsync-v4-tmp 104.24.0.0/14
            swap cfsync-v4-tmp cfsync-v4
            destroy cfsync-v4-tmp

            """)
        XCTAssertEqual(steps.tempSets, ["cfsync-v4-tmp"])
    }

    /// A jump pushed down by another tool is moved back to the top in the same commit.
    /// An upgrade from the jumps that matched every forwarded connection on the port (which
    /// cut containers' own outbound :443) swaps only the jumps, in one commit.
    func testForwardJumpsWithoutDNATMatchAreReplaced() throws {
        let policy = Policy(mode: .lockdown, ports: [443], families: [.ipv4], forward: true)
        let old = "-p tcp -m conntrack --ctorigdstport 443 --ctdir ORIGINAL -j CFSYNC-FORWARD"
        let new = "-p tcp -m conntrack --ctstate DNAT --ctorigdstport 443 --ctdir ORIGINAL -j CFSYNC-FORWARD"
        let save = Self.builtins + ":CFSYNC-FORWARD - [0:0]\n:CFSYNC-INPUT - [0:0]\n:DOCKER-USER - [0:0]\n"
            + "-A INPUT -p tcp -m tcp --dport 443 -j CFSYNC-INPUT\n-A FORWARD -m comment --comment cfsync -j DOCKER-USER\n"
            + "-A CFSYNC-FORWARD -s 104.16.0.0/12 -j ACCEPT\n-A CFSYNC-FORWARD -j DROP\n"
            + "-A CFSYNC-INPUT -i lo -j RETURN\n-A CFSYNC-INPUT -s 104.16.0.0/12 -j ACCEPT\n-A CFSYNC-INPUT -j DROP\n"
            + "-A DOCKER-USER \(old)\nCOMMIT\n"
        let current = try state(save, nil)
        XCTAssertEqual(current.installed(policy).structure, .differs([
            "iptables jumps differ (expected DOCKER-USER 1: \(new); FORWARD 1: -m comment --comment cfsync -j DOCKER-USER;"
                + " INPUT 1: -p tcp -m tcp --dport 443 -j CFSYNC-INPUT)",
        ]))
        XCTAssertEqual(render(policy, AddressLists(ipv4: v4("104.16.0.0/12")), from: current).description, """
            # iptables-restore --noflush
            *filter
            -D INPUT -p tcp -m tcp --dport 443 -j CFSYNC-INPUT
            -D FORWARD -m comment --comment cfsync -j DOCKER-USER
            -D DOCKER-USER \(old)
            -I DOCKER-USER 1 \(new)
            -I FORWARD 1 -m comment --comment cfsync -j DOCKER-USER
            -I INPUT 1 -p tcp -m tcp --dport 443 -j CFSYNC-INPUT
            COMMIT

            """)
    }

    func testJumpNotAtTheTopIsReinserted() throws {
        let policy = Policy(mode: .lockdown, ports: [443], families: [.ipv4])
        let save = Self.builtins + ":CFSYNC-INPUT - [0:0]\n-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT\n"
            + "-A INPUT -p tcp -m tcp --dport 443 -j CFSYNC-INPUT\n-A CFSYNC-INPUT -i lo -j RETURN\n"
            + "-A CFSYNC-INPUT -s 104.16.0.0/12 -j ACCEPT\n-A CFSYNC-INPUT -j DROP\nCOMMIT\n"
        let current = try state(save, nil)
        XCTAssertEqual(current.installed(policy).structure,
                       .differs(["iptables jumps differ (expected INPUT 1: -p tcp -m tcp --dport 443 -j CFSYNC-INPUT)"]))
        XCTAssertEqual(render(policy, AddressLists(ipv4: v4("104.16.0.0/12")), from: current).description, """
            # iptables-restore --noflush
            *filter
            -D INPUT -p tcp -m tcp --dport 443 -j CFSYNC-INPUT
            -I INPUT 1 -p tcp -m tcp --dport 443 -j CFSYNC-INPUT
            COMMIT

            """)
    }

    func testSnapshotTextRoundTripsAndRestoresExactly() throws {
        let policy = Policy(mode: .lockdown, ports: [80, 443], families: [.ipv4, .ipv6], forward: true, ipset: true)
        let installed = try applied(policy, lists)
        let dump = IptablesDump.render(installed.ownObjects)
        assertGolden(dump, named: "snapshot-ipset-forward.iptables")
        XCTAssertEqual(try IptablesDump.parse(dump), installed.ownObjects)
        XCTAssertEqual(IptablesDump.render(try IptablesDump.parse("")), "")
        // Restoring "" from there removes every own object, DOCKER-USER included (cfsync made it).
        assertGolden(IptablesTransition(from: installed, to: IptablesObjects()).description, named: "remove-ipset-forward.iptables")
    }

    func testDumpRejectsForeignLines() {
        XCTAssertThrowsError(try IptablesDump.parse("*iptables\n-A INPUT -j ACCEPT\n")) { error in
            XCTAssertEqual("\(error)", "iptables snapshot: line 2 is not an own chain, rule or jump: -A INPUT -j ACCEPT")
        }
    }

    /// What the kernel would hold after applying `policy` (simulated by re-reading rendered text).
    func applied(_ policy: Policy, _ lists: AddressLists) throws -> IptablesState {
        let layout = IptablesLayout(policy: policy)
        let base = try state()
        let objects = layout.objects(lists, current: base)
        // Order matters for jumps: own jumps first in their chains, then the host's rules.
        func build(_ base: String, _ own: IptablesFamilyObjects) throws -> IptablesTable {
            let host = try IptablesTable(save: base)
            var text = "*filter\n"
            var chains = host.chains
            chains += own.chains.keys.sorted()
            if own.jumps.contains(where: { $0.chain == "DOCKER-USER" }), !chains.contains("DOCKER-USER") { chains.append("DOCKER-USER") }
            for name in chains { text += ":\(name) \(["INPUT", "FORWARD", "OUTPUT"].contains(name) ? "ACCEPT" : "-") [0:0]\n" }
            for name in chains {
                for jump in own.jumps where jump.chain == name { text += "-A \(name) \(jump.spec)\n" }
                for rule in host.rules[name] ?? [] { text += "-A \(name) \(rule)\n" }
                for rule in own.chains[name] ?? [] { text += "-A \(name) \(rule)\n" }
            }
            return try IptablesTable(save: text + "COMMIT\n")
        }
        return IptablesState(ipv4: try build(Self.hostRules, objects.ipv4),
                             ipv6: try build(Self.builtins + "COMMIT\n", objects.ipv6), sets: objects.sets)
    }
}
