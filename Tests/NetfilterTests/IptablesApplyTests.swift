import Foundation
import XCTest

/// The iptables backend end to end with real packets, for both iptables variants,
/// with and without ipset: apply, no-op, the gapless /12 -> /13 + /14 split, remove
/// and rollback, with the host's own rules byte-identical throughout.
final class IptablesApplyTests: IptablesNetfilterCase {
    func testNftVariantRules() throws { try scenario(variant: "nft", ipset: false) }
    func testNftVariantIpset() throws { try scenario(variant: "nft", ipset: true) }
    func testLegacyVariantRules() throws { try scenario(variant: "legacy", ipset: false) }
    func testLegacyVariantIpset() throws { try scenario(variant: "legacy", ipset: true) }

    func scenario(variant: String, ipset: Bool) throws {
        let extra = ipset ? ["--ipset"] : []
        try installHostRules(variant)
        let before = (v4: try save(variant), v6: try save(variant, v6: true))
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "before apply")

        // First apply.
        try serveGoodLists()
        let first = try cfsyncIptables(variant, "apply", extra)
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertEqual(first.string("backend"), "iptables", "\(first)")
        for (listed, unlisted, listedOrigin, unlistedOrigin) in [
            (Address.clientListedV4, Address.clientUnlistedV4, Address.originListedV4, Address.originUnlistedV4),
            (Address.clientListedV6, Address.clientUnlistedV6, Address.originListedV6, Address.originUnlistedV6),
        ] {
            try assertConnects(from: listed, to: listedOrigin, port: 443)
            try assertConnects(from: listed, to: listedOrigin, port: 80)
            try assertDropped(from: unlisted, to: unlistedOrigin, port: 443)
            try assertDropped(from: unlisted, to: unlistedOrigin, port: 80)
            try assertConnects(from: unlisted, to: unlistedOrigin, port: 22)
        }
        let applied = (v4: try save(variant), v6: try save(variant, v6: true))
        XCTAssertEqual(withoutOwn(applied.v4), before.v4, "the host's IPv4 rules changed")
        XCTAssertEqual(withoutOwn(applied.v6), before.v6, "the host's IPv6 rules changed")
        XCTAssertTrue(applied.v4.contains("\n-A INPUT -p tcp -m multiport --dports 80,443 -j CFSYNC-INPUT\n-A INPUT -p tcp -m tcp --dport 22"),
                      "the jump is not the first rule of INPUT:\n\(applied.v4)")
        XCTAssertEqual(try ownSets(), ipset ? ["cfsync-v4": Self.goodV4.sorted(), "cfsync-v6": Self.goodV6] : [:])

        // Second apply: nothing to do, nothing touched.
        let again = try cfsyncIptables(variant, "apply", extra + ["--detailed-exitcode"])
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.string("result"), "unchanged", "\(again)")
        XCTAssertEqual(try save(variant), applied.v4)
        XCTAssertEqual(try save(variant, v6: true), applied.v6)

        // The 2021 split, with a listed client connecting all the while.
        let split = ["104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20"]
        try writeList("ips-v4", split)
        let prober = try ContinuousProber(in: client, from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        usleep(300_000)
        let change = try cfsyncIptables(variant, "apply", extra)
        usleep(300_000)
        let stats = try prober.stop()
        XCTAssertEqual(change.status, 0, "\(change)")
        XCTAssertEqual(change.changes, [
            "ipv4": ["add": ["104.16.0.0/13", "104.24.0.0/14"], "remove": ["104.16.0.0/12"]], "ipv6": noChange,
        ], "\(change)")
        XCTAssertEqual(stats.failed, 0, "connections failed during apply: \(stats)")
        XCTAssertGreaterThanOrEqual(stats.attempts, 10, "the prober did not run through the apply: \(stats)")
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "after the split")
        let afterSplit = (v4: try save(variant), v6: try save(variant, v6: true), sets: try ownSets())
        if ipset {
            XCTAssertEqual(afterSplit.sets["cfsync-v4"], split)
        } else {
            XCTAssertTrue(afterSplit.v4.contains("-A CFSYNC-INPUT -s 104.16.0.0/13 -j ACCEPT\n-A CFSYNC-INPUT -s 104.24.0.0/14 -j ACCEPT\n"), afterSplit.v4)
        }

        // remove: exactly the host's rules again, no set left.
        let removed = try cfsyncIptables(variant, "remove")
        XCTAssertEqual(removed.status, 0, "\(removed)")
        XCTAssertEqual(try save(variant), before.v4)
        XCTAssertEqual(try save(variant, v6: true), before.v6)
        XCTAssertEqual(try ownSets(), [:])
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "after remove")

        // rollback: exactly what remove took away.
        let back = try cfsyncIptables(variant, "rollback")
        XCTAssertEqual(back.status, 0, "\(back)")
        XCTAssertEqual(try save(variant), afterSplit.v4)
        XCTAssertEqual(try save(variant, v6: true), afterSplit.v6)
        XCTAssertEqual(try ownSets(), afterSplit.sets)
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "after rollback")
    }
}
