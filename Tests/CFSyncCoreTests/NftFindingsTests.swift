import CFSyncCore
import XCTest

final class NftFindingsTests: XCTestCase {
    /// `nft -j list chains` (nft 1.0.6): cfsync's own chain, iptables-nft's INPUT
    /// with policy drop, an accepting chain and a forward chain.
    let chains = """
        {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, \
        {"chain": {"family": "inet", "table": "cfsync", "name": "input", "handle": 3, "type": "filter", "hook": "input", "prio": -10, "policy": "accept"}}, \
        {"chain": {"family": "ip", "table": "filter", "name": "INPUT", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, \
        {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}}, \
        {"chain": {"family": "inet", "table": "filter", "name": "forward", "handle": 2, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}}, \
        {"chain": {"family": "inet", "table": "filter", "name": "helper", "handle": 4}}]}
        """

    func testNamesOnlyOtherInputChainsThatDropByDefault() throws {
        let lockdown = try NftFindings.otherDroppingInputChains(chainsJSON: chains, policy: Policy(mode: .lockdown, ports: [443], families: [.ipv4]))
        XCTAssertEqual(lockdown, [Finding("nftables: chain ip filter INPUT", .warning,
            "drops input by default; it must accept tcp 443 from Cloudflare itself, or Cloudflare is dropped there (502/522)")])
        let allow = try NftFindings.otherDroppingInputChains(chainsJSON: chains, policy: Policy(mode: .allow, ports: [80, 443], families: [.ipv4]))
        XCTAssertEqual(allow.map(\.detail), ["drops input by default; cfsync's accepts (allow mode) do not override it: that chain must accept tcp 80,443 itself"])
    }
}
