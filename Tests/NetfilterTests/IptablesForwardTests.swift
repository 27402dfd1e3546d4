import Foundation
import XCTest

/// `--forward`: a "container" namespace behind the origin gets the origin's port 443
/// through DNAT (to its port 8443, so only the ORIGINAL destination port says 443).
///
///     client ── origin (ip_forward, DNAT :443 -> 10.99.0.2:8443) ── cfd/cfe ── container 10.99.0.2
final class IptablesForwardTests: IptablesNetfilterCase {
    private var container: Namespace?
    private var containerServer: BackgroundProcess?

    override func tearDown() {
        containerServer?.terminate()
        containerServer = nil
        if let container { _ = try? Subprocess.run([tools.ip, "netns", "del", container.name], timeout: 10) }
        container = nil
        super.tearDown()
    }

    /// Builds the container namespace and publishes origin:443 to it with `iptables-<variant> -t nat`.
    func publishContainer(natVariant: String) throws {
        let ctr = Namespace(name: "cfs-\(getpid())-ctr-\(UUID().uuidString.prefix(6))", tools: tools)
        let added = try Subprocess.run([tools.ip, "netns", "add", ctr.name])
        guard added.succeeded else { throw SubprocessError(description: "ip netns add: \(added)") }
        container = ctr
        try ctr.check([tools.ip, "link", "set", "lo", "up"])
        try origin.check([tools.ip, "link", "add", "cfd", "type", "veth", "peer", "name", "cfe", "netns", ctr.name])
        try origin.check([tools.ip, "addr", "add", "10.99.0.1/24", "dev", "cfd"])
        try origin.check([tools.ip, "link", "set", "cfd", "up"])
        try ctr.check([tools.ip, "addr", "add", "10.99.0.2/24", "dev", "cfe"])
        try ctr.check([tools.ip, "link", "set", "cfe", "up"])
        try ctr.check([tools.ip, "route", "add", "default", "via", "10.99.0.1"])
        try origin.check(["sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"])
        try origin.check([try tool("iptables", natVariant), "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "--dport", "443",
                          "-j", "DNAT", "--to-destination", "10.99.0.2:8443"])
        let server = try ctr.background([tools.python, NetfilterSuite.tcpServerScript, "--ports", "8443"])
        containerServer = server
        _ = try server.waitForLine(startingWith: "ready")
    }

    /// Without Docker: cfsync creates DOCKER-USER and hooks it into FORWARD, and removes both again.
    func testIptablesForwardWithoutDocker() throws { try iptablesScenario(variant: "nft", docker: false) }

    /// With Docker's chain already there (legacy variant, ipset): cfsync only adds its jumps.
    func testIptablesForwardWithDockerUserLegacyIpset() throws { try iptablesScenario(variant: "legacy", docker: true, ipset: true) }

    func iptablesScenario(variant: String, docker: Bool, ipset: Bool = false) throws {
        try publishContainer(natVariant: variant)
        if docker {
            try ipt(variant, "-N", "DOCKER-USER")
            try ipt(variant, "-A", "FORWARD", "-j", "DOCKER-USER")
        }
        let before = try save(variant)
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "published, before cfsync")

        try serveGoodLists()
        let extra = ipset ? ["--ipset"] : []
        let inputOnly = try cfsyncIptables(variant, "apply", extra)
        XCTAssertEqual(inputOnly.status, 0, "\(inputOnly)")
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443,
                           "without --forward the INPUT rules do not see forwarded traffic")

        let forward = try cfsyncIptables(variant, "apply", extra + ["--forward"])
        XCTAssertEqual(forward.status, 0, "\(forward)")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "listed, forwarded")
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "unlisted, forwarded")
        let rules = try save(variant)
        XCTAssertTrue(rules.contains("-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 443 --ctdir ORIGINAL -j CFSYNC-FORWARD\n"), rules)
        XCTAssertEqual(rules.contains("-A FORWARD -m comment --comment cfsync -j DOCKER-USER\n"), !docker, rules)

        let again = try cfsyncIptables(variant, "apply", extra + ["--forward", "--detailed-exitcode"])
        XCTAssertEqual(again.status, 0, "\(again)")

        let removed = try cfsyncIptables(variant, "remove")
        XCTAssertEqual(removed.status, 0, "\(removed)")
        XCTAssertEqual(try save(variant), before, "remove must leave exactly the rules from before")
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "after remove")
    }

    /// nftables with --forward: the forward-hook chain in table inet cfsync.
    func testNftablesForward() throws {
        try publishContainer(natVariant: "nft")
        try applyGoodLists()
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443,
                           "without --forward the input chain does not see forwarded traffic")
        let run = try cfsync("apply", ["--forward"], json: true)
        XCTAssertEqual(run.status, 0, "\(run)")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "listed, forwarded")
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "unlisted, forwarded")
        let again = try cfsync("apply", ["--forward", "--detailed-exitcode"], json: true)
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.string("result"), "unchanged", "\(again)")
    }
}
