import CFSyncCore
import CFSyncTestSupport
import XCTest

final class NftRendererTests: XCTestCase {
    let both = Policy(mode: .lockdown, ports: [443, 80], families: [.ipv6, .ipv4])

    func installed(_ lists: AddressLists) -> InstalledState {
        InstalledState(structure: .matches, lists: lists)
    }

    func testFirstApplyDeclaresFillsThenHooks() {
        let desired = AddressLists(ipv4: v4("104.16.0.0/12", "173.245.48.0/20"), ipv6: v6("2606:4700::/32"))
        let plan = SyncPlan(policy: both, desired: desired, installed: .absent)
        assertGolden(NftRenderer.script(for: plan), named: "create-lockdown.nft")
    }

    func testAllowModeHasNoDropRules() {
        let policy = Policy(mode: .allow, ports: [443], families: [.ipv4])
        let plan = SyncPlan(policy: policy, desired: AddressLists(ipv4: v4("104.16.0.0/12")), installed: .absent)
        assertGolden(NftRenderer.script(for: plan), named: "create-allow-v4-443.nft")
    }

    /// The 2021 change: deletes come before adds, or nft 1.0.6 reports an overlap.
    func testSplitPrefixIsDeleteThenAdd() {
        let old = AddressLists(ipv4: v4("104.16.0.0/12", "173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "141.101.64.0/18"), ipv6: v6("2606:4700::/32"))
        var new = old
        new.ipv4 = v4("103.21.244.0/22", "103.22.200.0/22", "104.16.0.0/13", "104.24.0.0/14", "141.101.64.0/18", "173.245.48.0/20")
        let plan = SyncPlan(policy: both, desired: new, installed: installed(old))
        XCTAssertEqual(plan.ipv4.add, v4("104.16.0.0/13", "104.24.0.0/14"))
        XCTAssertEqual(plan.ipv4.remove, v4("104.16.0.0/12"))
        XCTAssertEqual(NftRenderer.script(for: plan), """
            delete element inet cfsync allow_v4 { 104.16.0.0/12 }
            add element inet cfsync allow_v4 { 104.16.0.0/13, 104.24.0.0/14 }

            """)
    }

    func testLargeChangeReplacesTheSetInTheSameTransaction() {
        let old = AddressLists(ipv4: v4("104.16.0.0/12"), ipv6: v6("2606:4700::/32"))
        let new = AddressLists(ipv4: v4("104.16.0.0/13", "104.24.0.0/14"), ipv6: v6("2606:4700::/32"))
        let plan = SyncPlan(policy: both, desired: new, installed: installed(old))
        XCTAssertEqual(NftRenderer.script(for: plan), """
            flush set inet cfsync allow_v4
            add element inet cfsync allow_v4 { 104.16.0.0/13, 104.24.0.0/14 }

            """)
    }

    /// What the backend sends as a netlink batch: every change to sets that exist, and the
    /// elements of a first apply, between the declarations and the chains.
    func testElementTransactionsBecomeSetChanges() throws {
        let old = AddressLists(ipv4: v4("103.21.244.0/22", "103.31.4.0/22", "104.16.0.0/12", "141.101.64.0/18", "173.245.48.0/20"),
                               ipv6: v6("2606:4700::/32"))
        var small = old
        small.ipv4 = v4("103.22.200.0/22", "103.31.4.0/22", "104.16.0.0/12", "141.101.64.0/18", "173.245.48.0/20")
        let delta = NftRenderer.transactions(for: SyncPlan(policy: both, desired: small, installed: installed(old)))
        XCTAssertEqual(delta.count, 1)
        XCTAssertEqual(delta[0].setChanges, [NftTransaction.SetChange(
            family: .ipv4,
            deletions: NftIntervalSet.encode(v4("103.21.244.0/22")),
            additions: [NftIntervalSet.zeroEnd] + NftIntervalSet.encode(v4("103.22.200.0/22")))])

        let large = AddressLists(ipv4: v4("104.16.0.0/13", "104.24.0.0/14"), ipv6: v6("2606:4700::/32"))
        let replace = NftRenderer.transactions(for: SyncPlan(policy: both, desired: large, installed: installed(old)))
        XCTAssertEqual(replace.map(\.setChanges), [[NftTransaction.SetChange(
            family: .ipv4, flush: true, additions: [NftIntervalSet.zeroEnd] + NftIntervalSet.encode(large.ipv4))]])

        let create = NftRenderer.transactions(for: SyncPlan(policy: both, desired: small, installed: .absent))
        XCTAssertEqual(create.map { $0.setChanges == nil }, [true, false, true])
        XCTAssertEqual(create[1].setChanges?.map(\.family), [.ipv4, .ipv6])
        XCTAssertEqual(create[1].setChanges?.first?.additions, [NftIntervalSet.zeroEnd] + NftIntervalSet.encode(small.ipv4))

        let drifted = InstalledState(structure: .differs(["chain input differs"]), lists: old)
        XCTAssertEqual(NftRenderer.transactions(for: SyncPlan(policy: both, desired: small, installed: drifted)).map { $0.setChanges == nil }, [true])
    }

    /// Only a flush or delete before any add of the same set keeps the script's meaning.
    func testSetChangesRefuseOtherOperationsAndOrders() {
        let prefixes = FamilyPrefixes.ipv4(v4("104.16.0.0/12"))
        XCTAssertNil(NftTransaction([.addTable, .addElements(prefixes)]).setChanges)
        XCTAssertNil(NftTransaction([.addElements(prefixes), .deleteElements(prefixes)]).setChanges)
        XCTAssertNil(NftTransaction([.addElements(prefixes), .flushSet(.ipv4)]).setChanges)
        XCTAssertNil(NftTransaction([.deleteElements(prefixes), .flushSet(.ipv4)]).setChanges)
        XCTAssertNotNil(NftTransaction([.addElements(.ipv6(v6("2606:4700::/32"))), .deleteElements(prefixes)]).setChanges)
        XCTAssertNil(NftTransaction().setChanges)
    }

    func testInSyncRendersNothing() {
        let lists = AddressLists(ipv4: v4("104.16.0.0/12"), ipv6: v6("2606:4700::/32"))
        let plan = SyncPlan(policy: both, desired: lists, installed: installed(lists))
        XCTAssertTrue(plan.isEmpty)
        XCTAssertTrue(NftRenderer.transactions(for: plan).isEmpty)
    }

    func testRebuildDeletesAndRecreatesTheTableAtomically() {
        let lists = AddressLists(ipv4: v4("104.16.0.0/12"))
        let policy = Policy(mode: .lockdown, ports: [443], families: [.ipv4])
        let plan = SyncPlan(policy: policy, desired: lists, installed: InstalledState(structure: .differs(["chain input differs"]), lists: lists))
        assertGolden(NftRenderer.script(for: plan), named: "rebuild-v4-443.nft")
    }

    func testTerseListingIsWhatNftPrints() {
        assertGolden(NftLayout(policy: both).terseListing, named: "layout-lockdown.terse")
    }

    func testStructureDifferencesNameTheObject() {
        let layout = NftLayout(policy: both)
        let withoutChain = layout.terseListing.replacingOccurrences(of: "\tchain input {", with: "\tchain other {")
        XCTAssertEqual(layout.differences(fromTerseListing: withoutChain), ["chain input is missing", "chain other is not expected"])
        XCTAssertEqual(layout.differences(fromTerseListing: layout.terseListing), [])
        let oneRuleLess = layout.terseListing.replacingOccurrences(of: "\t\tmeta nfproto ipv6 tcp dport { 80, 443 } drop\n", with: "")
        XCTAssertEqual(layout.differences(fromTerseListing: oneRuleLess), ["chain input differs"])
    }
}
