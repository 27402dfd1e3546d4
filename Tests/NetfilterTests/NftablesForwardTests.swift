import Foundation
import XCTest

/// `--forward` with the nftables backend (the forward-hook chain in table inet cfsync), in
/// the same network as `IptablesForwardTests`: only traffic the origin DNATs to a published
/// port is filtered. (An `IptablesNetfilterCase` for its `iptables-nft` nat tool.)
final class NftablesForwardTests: IptablesNetfilterCase {
    private var network: ForwardedNetwork?

    override func tearDown() {
        network?.destroy()
        network = nil
        super.tearDown()
    }

    func testNftablesForwardFiltersOnlyPublishedPorts() throws {
        let network = try ForwardedNetwork(behind: origin, client: client, iptables: try tool("iptables", "nft"), tools: tools)
        self.network = network
        try applyGoodLists()
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443,
                           "without --forward the input chain does not see forwarded traffic")
        let run = try cfsync("apply", ["--forward"], json: true)
        XCTAssertEqual(run.status, 0, "\(run)")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "listed, published")
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "unlisted, published")
        try assertUntouchedByForward(network, "with --forward")

        let again = try cfsync("apply", ["--forward", "--detailed-exitcode"], json: true)
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.string("result"), "unchanged", "\(again)")
    }
}
