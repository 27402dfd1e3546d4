import Foundation
import XCTest

/// The element changes that `NftablesBackend.apply` sends as one netlink batch
/// (`NftSets.change`) instead of a libnftables transaction, on the real kernel: a delta, a
/// replacement, and the elements of a first apply.
final class NetlinkDeltaTests: NetfilterTestCase {
    // MARK: lists

    /// 40 IPv4 prefixes: /24s every fourth octet, adjacent pairs that do not aggregate
    /// (x.1/24 + x.2/24 are not siblings), and adjacent prefixes of different lengths.
    static let listA4: [String] = (0..<30).map { "104.16.\($0 * 4).0/24" } + [
        "104.20.1.0/24", "104.20.2.0/24",
        "104.20.5.0/24", "104.20.6.0/24",
        "104.20.9.0/24", "104.20.10.0/24",
        "104.24.0.0/22", "104.24.4.0/23",
        "131.0.72.0/22", "172.64.0.0/22",
    ]
    /// Withdrawn from A: two lone /24s, the upper half of one adjacent pair, the lower of
    /// another, the /22 that is split, and the /24 that grows into a /23.
    static let withdrawn4 = ["104.16.8.0/24", "104.16.40.0/24", "104.20.2.0/24", "104.20.5.0/24",
                             "131.0.72.0/22", "104.16.12.0/24"]
    /// New in B: a lone /24; a /24 adjacent below a kept one; one adjacent above a withdrawn
    /// one; a /24 adjacent above a kept /23; a /25 adjacent above a kept /24; the split of
    /// 131.0.72.0/22 (exact halves would aggregate back, so: lower half + top quarter); and
    /// 104.16.12.0/23, which is the kept 104.16.12.0/24 grown by its sibling (same start key).
    static let added4 = ["104.16.201.0/24", "104.16.3.0/24", "104.20.3.0/24", "104.24.6.0/24",
                         "104.20.11.0/25", "131.0.72.0/23", "131.0.75.0/24", "104.16.12.0/23"]
    static var listB4: [String] { listA4.filter { !withdrawn4.contains($0) } + added4 }

    static let listA6 = ["2606:4700:11::/48", "2606:4700:12::/48", "2606:4700:20::/48", "2606:4700:30::/48",
                         "2606:4700:40::/48", "2803:f800::/32", "2a06:98c0::/29"]
    static let withdrawn6 = ["2606:4700:30::/48"]
    /// One adjacent below a kept /48 (not its sibling), one lone.
    static let added6 = ["2606:4700:1f::/48", "2606:4700:50::/48"]
    static var listB6: [String] { listA6.filter { !withdrawn6.contains($0) } + added6 }

    // MARK: helpers

    /// `nft list set inet cfsync <set>`: the text the brief compares.
    func setText(_ set: String) throws -> String {
        try origin.nft("list", "set", "inet", "cfsync", set).stdout
    }

    /// The elements exactly as the kernel holds them (`nft --debug=netlink` prints each
    /// element's key and flags from the dump, in rbtree order), then the listing.
    func kernelElements(_ set: String) throws -> String {
        let result = try origin.nft("--debug=netlink", "list", "set", "inet", "cfsync", set)
        return result.stdout + result.stderr
    }

    /// `apply --log-level debug`: the debug log shows the script the renderer chose.
    func applyLogged(file: StaticString = #filePath, line: UInt = #line) throws -> CFSyncRun {
        let run = try cfsync("apply", ["--log-level", "debug"], json: true)
        XCTAssertEqual(run.status, 0, "\(run)", file: file, line: line)
        return run
    }

    /// The run verified its commits by the kernel's answers (generation and committed
    /// elements), without reading the sets back; and the result is what a read shows.
    func assertProvenWithoutReadBack(_ run: CFSyncRun, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(run.stderr.contains("the kernel's answers prove the plan"), "\(run)", file: file, line: line)
        XCTAssertFalse(run.stderr.contains("read-back matches"), "\(run)", file: file, line: line)
    }

    /// The renderer chose an element delta (only `delete element`/`add element`, i.e. the
    /// netlink batch), touching exactly `sets`.
    func assertDelta(_ run: CFSyncRun, sets: [String], file: StaticString = #filePath, line: UInt = #line) {
        for word in ["flush set", "add set", "add table", "delete table", "add chain", "add rule"] {
            XCTAssertFalse(run.stderr.contains(word), "not an element delta (\(word)): \(run)", file: file, line: line)
        }
        for set in ["allow_v4", "allow_v6"] {
            let touched = run.stderr.contains("element inet cfsync \(set) {")
            XCTAssertEqual(touched, sets.contains(set), "\(set) in the delta: \(run)", file: file, line: line)
        }
    }

    /// `nft monitor` in the origin, returned once it is known to be subscribed: a marker table
    /// is added (again, under a new name, until the monitor prints it) and then deleted.
    func startMonitor() throws -> BackgroundProcess {
        let monitor = try origin.background([tools.nft, "monitor"])
        for attempt in 0..<50 {
            let marker = "cfsync_marker_\(attempt)"
            try origin.nft("add", "table", "inet", marker)
            try origin.nft("delete", "table", "inet", marker)
            if (try? monitor.waitForLine(startingWith: "delete table inet \(marker)", timeout: 0.2)) != nil {
                try origin.nft("add", "table", "inet", "cfsync_begin")
                _ = try monitor.waitForLine(startingWith: "add table inet cfsync_begin")
                return monitor
            }
        }
        monitor.terminate()
        throw SubprocessError(description: "nft monitor never printed a marker: \(monitor.stdout) \(monitor.stderr)")
    }

    /// Every event between `startMonitor` and now (another marker ends the window).
    func stopMonitor(_ monitor: BackgroundProcess) throws -> String {
        try origin.nft("delete", "table", "inet", "cfsync_begin")
        _ = try monitor.waitForLine(startingWith: "delete table inet cfsync_begin")
        monitor.terminate()
        let events = monitor.stdout
        let window = events.components(separatedBy: "add table inet cfsync_begin\n").dropFirst().joined()
            .components(separatedBy: "delete table inet cfsync_begin\n").first ?? events
        // The window opens with the generation line of the begin marker itself.
        let lines = window.split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.first?.hasPrefix("# new generation") == true ? lines.dropFirst() : lines[...]).joined(separator: "\n")
    }

    /// `changes` with each side sorted, for comparing with lists written in any order.
    func sortedChanges(_ run: CFSyncRun) -> [String: [String: [String]]]? {
        run.changes?.mapValues { $0.mapValues { $0.sorted() } }
    }

    func expected(add4: [String] = [], remove4: [String] = [], add6: [String] = [], remove6: [String] = []) -> [String: [String: [String]]] {
        ["ipv4": ["add": add4.sorted(), "remove": remove4.sorted()],
         "ipv6": ["add": add6.sorted(), "remove": remove6.sorted()]]
    }

    /// A first apply of A, then B written so the next apply is a delta.
    func installAThenServeB() throws {
        try writeList("ips-v4", Self.listA4)
        try writeList("ips-v6", Self.listA6)
        let first = try cfsync("apply", json: true)
        XCTAssertEqual(first.status, 0, "\(first)")
        if first.status != 0 { throw SubprocessError(description: "cannot continue without a first apply of A") }
        try writeList("ips-v4", Self.listB4)
        try writeList("ips-v6", Self.listB6)
    }

    /// A → B as a delta in both sets, checked.
    @discardableResult
    func applyDeltaAToB(file: StaticString = #filePath, line: UInt = #line) throws -> CFSyncRun {
        try installAThenServeB()
        let run = try applyLogged(file: file, line: line)
        XCTAssertEqual(run.string("result"), "applied", "\(run)", file: file, line: line)
        XCTAssertEqual(sortedChanges(run),
                       expected(add4: Self.added4, remove4: Self.withdrawn4, add6: Self.added6, remove6: Self.withdrawn6),
                       "\(run)", file: file, line: line)
        assertDelta(run, sets: ["allow_v4", "allow_v6"], file: file, line: line)
        return run
    }

    /// The table reloaded from its own listing by libnftables in one transaction (sets declared
    /// with their elements) is the same table with the same raw elements: what cfsync wrote
    /// through netlink is what libnftables writes for the same prefixes.
    func assertSameAsLibnftablesLoad(file: StaticString = #filePath, line: UInt = #line) throws {
        let listing = try origin.nftTable("inet", "cfsync")
        let raw4 = try kernelElements("allow_v4"), raw6 = try kernelElements("allow_v6")
        XCTAssertTrue(listing.contains("elements = {"), listing, file: file, line: line)
        try origin.nftScript("delete table inet cfsync\n" + listing)
        XCTAssertEqual(try origin.nftTable("inet", "cfsync"), listing, file: file, line: line)
        // Stricter than the listing: the same keys and interval-end flags in the kernel.
        XCTAssertEqual(try kernelElements("allow_v4"), raw4, file: file, line: line)
        XCTAssertEqual(try kernelElements("allow_v6"), raw6, file: file, line: line)
    }

    /// The monitor's events grouped by the generation that committed them, with that
    /// generation's line last in each group.
    func generations(_ events: String) -> [[Substring]] {
        var groups: [[Substring]] = [[]]
        for line in events.split(separator: "\n") {
            groups[groups.count - 1].append(line)
            if line.hasPrefix("# new generation") { groups.append([]) }
        }
        return groups.filter { !$0.isEmpty }
    }

    // MARK: tests

    /// Guards that a netlink delta leaves the sets exactly as libnftables loading the same lists does.
    func testDeltaEqualsLibnftablesLoadingTheSameLists() throws {
        assertProvenWithoutReadBack(try applyDeltaAToB())
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.listB4.sorted())
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v6"), Self.listB6.sorted())
        try assertSameAsLibnftablesLoad()
    }

    /// Guards that a change above the replace threshold flushes and refills the set in one netlink
    /// batch, leaving it as libnftables would.
    func testReplacementEqualsLibnftablesLoadingTheSameLists() throws {
        try installAThenServeB()
        // As many prefixes as A, none of them A's: above the replace threshold, not a shrink.
        let replacement4 = (0..<Self.listA4.count).map { "198.41.\($0 * 4).0/24" }
        try writeList("ips-v4", replacement4)
        let run = try applyLogged()
        assertProvenWithoutReadBack(run)
        XCTAssertTrue(run.stderr.contains("flush set inet cfsync allow_v4"), "not a replacement: \(run)")
        for word in ["add set", "add table", "delete table", "add chain", "add rule"] {
            XCTAssertFalse(run.stderr.contains(word), "not an element transaction (\(word)): \(run)")
        }
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), replacement4.sorted())
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v6"), Self.listB6.sorted())
        try assertSameAsLibnftablesLoad()
    }

    /// Guards that a first apply fills the sets through netlink exactly as libnftables would.
    func testFirstApplyEqualsLibnftablesLoadingTheSameTable() throws {
        try writeList("ips-v4", Self.listA4)
        try writeList("ips-v6", Self.listA6)
        assertProvenWithoutReadBack(try applyLogged())
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.listA4.sorted())
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v6"), Self.listA6.sorted())
        try assertSameAsLibnftablesLoad()
    }

    /// Guards that a first apply commits the table with empty sets, then their elements, then
    /// the chains: nothing hooks into the input path before the sets are full.
    func testAFirstApplyHooksItsChainsOnlyOnceTheSetsAreFull() throws {
        try writeList("ips-v4", Self.listA4)
        try writeList("ips-v6", Self.listA6)
        let monitor = try startMonitor()
        defer { monitor.terminate() }
        _ = try applyLogged()
        let groups = generations(try stopMonitor(monitor))

        XCTAssertEqual(groups.count, 3, "\(groups)")
        guard groups.count == 3 else { return }
        XCTAssertTrue(groups.allSatisfy { $0.last?.hasSuffix("(cfsync)") == true }, "\(groups)")
        let events = groups.map { $0.dropLast() }
        XCTAssertTrue(events[0].allSatisfy { $0 == "add table inet cfsync" || $0.hasPrefix("add set inet cfsync ") }, "\(events[0])")
        XCTAssertFalse(events[0].contains { $0.contains("elements") || $0.contains("104.") }, "\(events[0])")
        XCTAssertTrue(events[1].allSatisfy { $0.hasPrefix("add element inet cfsync allow_v") }, "\(events[1])")
        XCTAssertTrue(events[2].allSatisfy { $0.hasPrefix("add chain inet cfsync ") || $0.hasPrefix("add rule inet cfsync ") }, "\(events[2])")
        XCTAssertTrue(events[2].contains { $0.hasPrefix("add chain inet cfsync input") }, "\(events[2])")
    }

    /// Guards that packets follow a delta: a newly added prefix connects, a withdrawn one is dropped.
    func testPacketsFollowADelta() throws {
        // The client's listed addresses sit in 104.16.0.0/24 and 2606:4700::/48, which start out
        // unlisted; each gets an adjacent listed neighbour below, so adding it shares a key.
        let base4 = ["104.15.255.0/24", "104.16.4.0/24", "104.16.8.0/24", "104.16.12.0/24", "173.245.48.0/20"]
        let base6 = ["2606:46ff:ffff::/48", "2606:4700:20::/48", "2803:f800::/32"]
        let new4 = "104.16.0.0/24", new6 = "2606:4700::/48"
        try writeList("ips-v4", base4)
        try writeList("ips-v6", base6)
        let first = try cfsync("apply", json: true)
        XCTAssertEqual(first.status, 0, "\(first)")
        try assertDropped(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "before it is listed")
        try assertDropped(from: Address.clientListedV6, to: Address.originListedV6, port: 443, "before it is listed")

        try writeList("ips-v4", base4 + [new4])
        try writeList("ips-v6", base6 + [new6])
        let add = try applyLogged()
        XCTAssertEqual(sortedChanges(add), expected(add4: [new4], add6: [new6]), "\(add)")
        assertDelta(add, sets: ["allow_v4", "allow_v6"])
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after the delta added \(new4)")
        try assertConnects(from: Address.clientListedV6, to: Address.originListedV6, port: 443, "after the delta added \(new6)")
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443, "never listed")
        try assertDropped(from: Address.clientUnlistedV6, to: Address.originUnlistedV6, port: 443, "never listed")

        try writeList("ips-v4", base4)
        try writeList("ips-v6", base6)
        let remove = try applyLogged()
        XCTAssertEqual(sortedChanges(remove), expected(remove4: [new4], remove6: [new6]), "\(remove)")
        assertDelta(remove, sets: ["allow_v4", "allow_v6"])
        try assertDropped(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after the delta withdrew \(new4)")
        try assertDropped(from: Address.clientListedV6, to: Address.originListedV6, port: 443, "after the delta withdrew \(new6)")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 22, "port 22 stays open")
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), base4.sorted())
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v6"), base6.sorted())
    }

    /// Guards that a saved plan made stale by a hand edit is refused before any netlink batch, changing nothing.
    func testAStaleSavedDeltaPlanIsRefusedAndChangesNothing() throws {
        try installAThenServeB()
        let planFile = work.appendingPathComponent("delta-plan.json").path
        let plan = try cfsync("plan", ["--out", planFile], json: true)
        XCTAssertEqual(plan.status, 0, "\(plan)")
        XCTAssertEqual(sortedChanges(plan),
                       expected(add4: Self.added4, remove4: Self.withdrawn4, add6: Self.added6, remove6: Self.withdrawn6),
                       "\(plan)")
        // A kept prefix disappears by hand after review: the delta no longer fits the kernel.
        try origin.nft("delete", "element", "inet", "cfsync", "allow_v4", "{ 104.16.16.0/24 }")
        let before = try origin.nftRuleset(handles: true)

        let run = try cfsync("apply", ["--plan", planFile])
        XCTAssertEqual(run.status, 3, "\(run)")
        XCTAssertTrue(run.stderr.contains("stale plan") && run.stderr.contains("104.16.16.0/24"), run.stderr)
        XCTAssertEqual(try origin.nftRuleset(handles: true), before)
    }

    /// Guards that a netlink batch the kernel refuses in part changes nothing: no element of it commits.
    func testADeltaTheKernelRefusesCommitsNothing() throws {
        try installAThenServeB()
        // Observe cannot tell one interval 104.20.1.0-104.20.2.255 from the two /24s it covers
        // (both decode to the same prefixes, and the snapshot is rendered from prefixes), but the
        // delta's "delete 104.20.2.0/24" names elements the kernel no longer has (start 104.20.2.0,
        // end 104.20.3.0): the batch fails with ENOENT in its first message, after other deletes.
        try origin.nftScript("""
            delete element inet cfsync allow_v4 { 104.20.1.0/24, 104.20.2.0/24 }
            add element inet cfsync allow_v4 { 104.20.1.0-104.20.2.255 }

            """)
        let status = try cfsync("status", json: true)
        XCTAssertEqual(status.bool("in_sync"), true, "the hand edit should be invisible to observe: \(status)")

        let monitor = try startMonitor()
        defer { monitor.terminate() }
        let run = try cfsync("apply", ["--log-level", "debug"], json: true)
        let during = try stopMonitor(monitor)

        XCTAssertEqual(run.status, 1, "\(run)")
        assertDelta(run, sets: ["allow_v4", "allow_v6"])
        XCTAssertTrue(run.string("error")?.contains("restored snapshot") == true, "\(run)")
        XCTAssertTrue(run.string("error")?.contains("changing sets allow_v4, allow_v6: an element to delete is not installed") == true, "\(run)")
        // Nothing of the batch reached a generation: no element was deleted, none of B's new
        // prefixes was added; the only cfsync generation is the snapshot restore.
        XCTAssertFalse(during.contains("delete element"), "part of the refused batch committed:\n\(during)")
        for prefix in ["104.16.201.0/24", "104.16.3.0/24", "104.20.3.0/24", "2606:4700:50::/48", "2606:4700:1f::/48"] {
            XCTAssertFalse(during.contains(prefix), "\(prefix) was added:\n\(during)")
        }
        let generations = during.split(separator: "\n").filter { $0.hasPrefix("# new generation") }
        XCTAssertEqual(generations.count, 1, "expected only the restore's transaction:\n\(during)")
        XCTAssertTrue(generations.allSatisfy { $0.hasSuffix("(cfsync)") }, "\(generations)")
        // The restore put A back (as prefixes) and the accepted lists are still A's.
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.listA4.sorted())
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v6"), Self.listA6.sorted())
        XCTAssertEqual(try cfsync("status").status, 0, "after the restore the kernel matches the accepted A")

        // And the next apply, against a kernel that holds what observe reads, converges.
        let again = try applyLogged()
        assertDelta(again, sets: ["allow_v4", "allow_v6"])
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4"), Self.listB4.sorted())
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v6"), Self.listB6.sorted())
    }

    /// Guards that a second apply of B after a delta is a no-op that re-creates nothing.
    func testSecondApplyAfterADeltaIsANoOp() throws {
        try applyDeltaAToB()
        let withHandles = try origin.nftRuleset(handles: true)

        let again = try cfsync("apply", ["--detailed-exitcode", "--log-level", "debug"], json: true)
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.string("result"), "unchanged", "\(again)")
        XCTAssertEqual(again.bool("changed"), false, "\(again)")
        XCTAssertEqual(again.changes, ["ipv4": noChange, "ipv6": noChange], "\(again)")
        XCTAssertFalse(again.stderr.contains("element inet cfsync"), "a no-op sent elements: \(again)")
        XCTAssertEqual(try origin.nftRuleset(handles: true), withHandles, "the no-op changed the ruleset")
    }

    /// Guards that status right after a delta reports in sync, with no drift, and changes nothing.
    func testStatusAfterADeltaIsInSync() throws {
        try applyDeltaAToB()
        let withHandles = try origin.nftRuleset(handles: true)

        let text = try cfsync("status")
        XCTAssertEqual(text.status, 0, "\(text)")
        let json = try cfsync("status", json: true)
        XCTAssertEqual(json.status, 0, "\(json)")
        XCTAssertEqual(json.bool("in_sync"), true, "\(json)")
        XCTAssertEqual(json.driftItems ?? ["<no drift array>"], [], "\(json)")
        XCTAssertEqual(try origin.nftRuleset(handles: true), withHandles, "status changed the ruleset")
    }
}
