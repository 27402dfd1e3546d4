import Foundation
import XCTest

/// `restore` against the real kernel: after a reload or a reboot removed cfsync's objects it
/// re-installs the last applied state — its policy, not the options it is given now — and
/// after `remove`, or with an empty state dir, it installs nothing.
final class RestoreTests: IptablesNetfilterCase {
    /// What a hand-applied change looks like: not the defaults the restore run is given.
    static let byHand = ["--ports", "8443", "--mode", "allow", "--allow", "192.0.2.7/32"]

    func testNftablesAfterFlushRulesetReinstallsTheAppliedPolicy() throws {
        try applyGoodLists(Self.byHand)
        let applied = try origin.nftTable("inet", "cfsync")
        // Debian's /etc/nftables.conf starts with this line.
        try origin.nftScript("flush ruleset\n" + Self.unrelatedTable)

        let run = try cfsync("restore", json: true)

        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.string("result"), "applied", "\(run)")
        XCTAssertNotNil(run.string("snapshot"), "a repair is snapshotted: \(run)")
        XCTAssertEqual(try origin.nftTable("inet", "cfsync"), applied)
        XCTAssertTrue(try origin.nftRuleset(handles: false).contains("table inet filter"), "restore touched the host's table")
        let again = try cfsync("restore", json: true)
        XCTAssertEqual(again.string("result"), "unchanged", "\(again)")
    }

    func testRestoreAfterRemoveInstallsNothing() throws {
        try applyGoodLists()
        XCTAssertEqual(try cfsync("remove").status, 0)

        let run = try cfsync("restore")

        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.stdout, "nothing to restore: the last change was cfsync remove\n")
        XCTAssertFalse(try origin.nftRuleset(handles: false).contains("cfsync"))
    }

    func testWithAnEmptyStateDirRestoreChangesNothing() throws {
        let ruleset = try origin.nftRuleset(handles: true)

        let run = try cfsync("restore", json: true)

        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.string("result"), "unchanged", "\(run)")
        XCTAssertEqual(run.string("note"), "nothing to restore: no apply is recorded in \(stateDir.path)", "\(run)")
        XCTAssertEqual(try origin.nftRuleset(handles: true), ruleset)
    }

    func testIptablesNftAfterRestoreOfTheHostsRules() throws { try iptables(variant: "nft", ipset: false) }
    func testIptablesLegacyAfterRestoreOfTheHostsRules() throws { try iptables(variant: "legacy", ipset: false) }
    func testIptablesNftIpsetAfterAReboot() throws { try iptables(variant: "nft", ipset: true) }
    func testIptablesLegacyIpsetAfterAReboot() throws { try iptables(variant: "legacy", ipset: true) }

    /// The host's own `iptables-restore` (netfilter-persistent) puts back a ruleset without
    /// cfsync's chains; with ipset, the sets are gone too, as after a reboot.
    private func iptables(variant: String, ipset: Bool) throws {
        try installHostRules(variant)
        let host = (v4: try save(variant), v6: try save(variant, v6: true))
        try serveGoodLists()
        let apply = try cfsyncIptables(variant, "apply", ["--ports", "8443", "--allow", "192.0.2.7/32"] + (ipset ? ["--ipset"] : []))
        XCTAssertEqual(apply.status, 0, "\(apply)")
        let applied = (v4: try save(variant), v6: try save(variant, v6: true), sets: try ownSets())
        for (v6, text) in [(false, host.v4), (true, host.v6)] {
            try origin.check([try tool(v6 ? "ip6tables-restore" : "iptables-restore", variant)], stdin: Data(text.utf8))
        }
        if ipset { try origin.check(["ipset", "destroy"]) }
        XCTAssertFalse(try save(variant).contains("CFSYNC"))

        let run = try cfsyncIptables(variant, "restore")

        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.string("result"), "applied", "\(run)")
        XCTAssertEqual(try save(variant), applied.v4)
        XCTAssertEqual(try save(variant, v6: true), applied.v6)
        XCTAssertEqual(try ownSets(), applied.sets)
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "443 is not what was applied")
    }
}
