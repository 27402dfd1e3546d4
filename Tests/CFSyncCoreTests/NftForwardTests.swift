import CFSyncCore
import CFSyncTestSupport
import XCTest

/// `--forward` in nftables: an extra forward-hook chain; with it off, nothing changes.
final class NftForwardTests: XCTestCase {
    let lists = AddressLists(ipv4: v4("104.16.0.0/12", "173.245.48.0/20"), ipv6: v6("2606:4700::/32"))

    func testForwardAddsAForwardHookChainOnTheOriginalPort() {
        let policy = Policy(mode: .lockdown, ports: [443, 80], families: [.ipv6, .ipv4], forward: true)
        assertGolden(NftRenderer.script(for: SyncPlan(policy: policy, desired: lists, installed: .absent)),
                     named: "create-lockdown-forward.nft")
        assertGolden(NftLayout(policy: policy).terseListing, named: "layout-lockdown-forward.terse")
    }

    func testForwardOffIsByteIdenticalToTheGoldensWithoutIt() {
        let off = Policy(mode: .lockdown, ports: [443, 80], families: [.ipv6, .ipv4], forward: false)
        assertGolden(NftRenderer.script(for: SyncPlan(policy: off, desired: lists, installed: .absent)),
                     named: "create-lockdown.nft")
        assertGolden(NftLayout(policy: off).terseListing, named: "layout-lockdown.terse")
    }

    func testForwardChainMissingIsADifference() {
        let on = NftLayout(policy: Policy(mode: .allow, ports: [443], families: [.ipv4], forward: true))
        let off = NftLayout(policy: Policy(mode: .allow, ports: [443], families: [.ipv4]))
        XCTAssertEqual(on.differences(fromTerseListing: off.terseListing), ["chain forward is missing"])
        XCTAssertEqual(on.forwardRules, ["ct status dnat ct direction original meta l4proto tcp ct original proto-dst 443 ip saddr @allow_v4 accept"])
    }

    /// The forward chain from before it matched only DNATed connections (it cut containers'
    /// own outbound :443) is a difference, so the next apply rebuilds it.
    func testForwardChainWithoutDNATMatchDiffers() {
        let layout = NftLayout(policy: Policy(mode: .lockdown, ports: [443], families: [.ipv4], forward: true))
        let old = layout.terseListing.replacingOccurrences(of: "ct status dnat ct direction original", with: "ct direction original")
        XCTAssertNotEqual(old, layout.terseListing)
        XCTAssertEqual(layout.differences(fromTerseListing: old), ["chain forward differs"])
    }
}
