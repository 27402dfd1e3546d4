import Foundation
import XCTest

/// `--forward` with the iptables backend: the origin publishes its port 443 to a "container"
/// behind it (DNAT to the container's :8443), see `ForwardedNetwork`. Only that DNATed
/// traffic is filtered; the containers' own and routed traffic never is.
final class IptablesForwardTests: IptablesNetfilterCase {
    private var network: ForwardedNetwork?

    override func tearDown() {
        network?.destroy()
        network = nil
        super.tearDown()
    }

    /// Without Docker: cfsync creates DOCKER-USER and hooks it into FORWARD, and removes both again.
    func testIptablesForwardWithoutDocker() throws { try iptablesScenario(variant: "nft", docker: false) }

    /// With Docker's chain already there (legacy variant, ipset): cfsync only adds its jumps.
    func testIptablesForwardWithDockerUserLegacyIpset() throws { try iptablesScenario(variant: "legacy", docker: true, ipset: true) }

    func iptablesScenario(variant: String, docker: Bool, ipset: Bool = false) throws {
        let network = try ForwardedNetwork(behind: origin, client: client, iptables: try tool("iptables", variant), tools: tools)
        self.network = network
        if docker {
            try ipt(variant, "-N", "DOCKER-USER")
            try ipt(variant, "-A", "FORWARD", "-j", "DOCKER-USER")
        }
        let before = try save(variant)
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "published, before cfsync")
        try assertUntouchedByForward(network, "before cfsync")

        try serveGoodLists()
        let extra = ipset ? ["--ipset"] : []
        let inputOnly = try cfsyncIptables(variant, "apply", extra)
        XCTAssertEqual(inputOnly.status, 0, "\(inputOnly)")
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443,
                           "without --forward the INPUT rules do not see forwarded traffic")

        let forward = try cfsyncIptables(variant, "apply", extra + ["--forward"])
        XCTAssertEqual(forward.status, 0, "\(forward)")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "listed, published")
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "unlisted, published")
        try assertUntouchedByForward(network, "with --forward")
        let rules = try save(variant)
        XCTAssertTrue(rules.contains("-A DOCKER-USER -p tcp -m conntrack --ctstate DNAT --ctorigdstport 443 --ctdir ORIGINAL -j CFSYNC-FORWARD\n"), rules)
        XCTAssertEqual(rules.contains("-A FORWARD -m comment --comment cfsync -j DOCKER-USER\n"), !docker, rules)

        let again = try cfsyncIptables(variant, "apply", extra + ["--forward", "--detailed-exitcode"])
        XCTAssertEqual(again.status, 0, "\(again)")

        let removed = try cfsyncIptables(variant, "remove")
        XCTAssertEqual(removed.status, 0, "\(removed)")
        XCTAssertEqual(try save(variant), before, "remove must leave exactly the rules from before")
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "after remove")
    }
}
