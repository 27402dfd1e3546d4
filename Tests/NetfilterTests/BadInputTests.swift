import Foundation
import XCTest

/// Scenario 5: after a good apply, every bad list (or failed fetch) changes nothing —
/// not the ruleset, not a byte of the state dir — and says why in one stderr line,
/// with exit 3 for a guard refusal and 1 for a failed fetch.
final class BadInputTests: NetfilterTestCase {
    enum Expected: Int32 {
        case refused = 3
        case fetchFailed = 1
    }

    /// One bad input: the files it serves and the cfsync arguments that point at it.
    struct BadInput {
        var files: [String: String] = [:]
        /// Files whose bytes are not UTF-8 text.
        var rawFiles: [String: [UInt8]] = [:]
        var v4: String?
        var v6: String?
        var extra: [String] = []
        var expected: Expected
        /// An upper bound for the run's duration (the timeout cases).
        var maxSeconds: TimeInterval = 60
        /// What the one stderr line must say, when the case pins it.
        var says: String?
    }

    func testHTMLPage() throws {
        try assertNothingChanges(BadInput(v4: url("html"), expected: .refused))
    }

    func testPartialLine() throws {
        try assertNothingChanges(BadInput(files: ["bad-v4": "173.245.48.0/20\n104.16.0.0/"], v4: url("bad-v4"),
                                          expected: .refused))
    }

    func testHostBitsSet() throws {
        try assertNothingChanges(BadInput(files: ["bad-v4": "104.16.0.1/12\n173.245.48.0/20"], v4: url("bad-v4"),
                                          expected: .refused))
    }

    func testIPv6PrefixInTheIPv4List() throws {
        try assertNothingChanges(BadInput(files: ["bad-v4": "104.16.0.0/12\n2606:4700::/32"], v4: url("bad-v4"),
                                          expected: .refused))
    }

    func testIPv4PrefixInTheIPv6List() throws {
        try assertNothingChanges(BadInput(files: ["bad-v6": "2606:4700::/32\n104.16.0.0/12"], v6: url("bad-v6"),
                                          expected: .refused))
    }

    func testDefaultRoute() throws {
        try assertNothingChanges(BadInput(files: ["bad-v4": "104.16.0.0/12\n0.0.0.0/0"], v4: url("bad-v4"),
                                          expected: .refused))
    }

    func testPrivateRange() throws {
        try assertNothingChanges(BadInput(files: ["bad-v4": "104.16.0.0/12\n10.0.0.0/8"], v4: url("bad-v4"),
                                          expected: .refused))
    }

    func testUniqueLocalIPv6() throws {
        try assertNothingChanges(BadInput(files: ["bad-v6": "2606:4700::/32\nfc00::/7"], v6: url("bad-v6"),
                                          expected: .refused))
    }

    func testIPv4PrefixShorterThanSlash8() throws {
        try assertNothingChanges(BadInput(files: ["bad-v4": "104.0.0.0/7\n173.245.48.0/20"], v4: url("bad-v4"),
                                          expected: .refused))
    }

    func testIPv6PrefixShorterThanSlash16() throws {
        try assertNothingChanges(BadInput(files: ["bad-v6": "2600::/15"], v6: url("bad-v6"), expected: .refused))
    }

    func testEmptyList() throws {
        try assertNothingChanges(BadInput(files: ["bad-v4": ""], v4: url("bad-v4"), expected: .refused))
    }

    func testCommentsOnlyList() throws {
        try assertNothingChanges(BadInput(files: ["bad-v6": "# nothing here\n\n"], v6: url("bad-v6"), expected: .refused))
    }

    func testHTTP404() throws {
        try assertNothingChanges(BadInput(v4: url("status/404"), expected: .fetchFailed))
    }

    func testHTTP500() throws {
        try assertNothingChanges(BadInput(v6: url("status/500"), expected: .fetchFailed))
    }

    func testSlowServerTimesOut() throws {
        try assertNothingChanges(BadInput(v4: url("slow/20/ips-v4"), extra: ["--timeout", "2"],
                                          expected: .fetchFailed, maxSeconds: 8))
    }

    func testStalledBodyTimesOut() throws {
        try assertNothingChanges(BadInput(v4: url("stall/ips-v4"), extra: ["--timeout", "2"],
                                          expected: .fetchFailed, maxSeconds: 8))
    }

    func testOversizedBody() throws {
        try assertNothingChanges(BadInput(v4: url("big/65536"), extra: ["--max-list-size", "1K"],
                                          expected: .fetchFailed))
    }

    func testConnectionRefused() throws {
        // Nothing listens on port 9 of the origin namespace's loopback (a fresh namespace).
        try assertNothingChanges(BadInput(v4: "http://127.0.0.1:9/ips-v4", expected: .fetchFailed))
    }

    func testAPIWithSuccessFalse() throws {
        let body = """
            {"result": {"ipv4_cidrs": ["104.16.0.0/12", "173.245.48.0/20"], "ipv6_cidrs": ["2606:4700::/32"],
             "etag": "38f79d050aa027e3be3865e495dcc9bc"},
             "success": false, "errors": [{"code": 10000, "message": "Authentication error"}], "messages": []}
            """
        try assertNothingChanges(BadInput(files: ["api.json": body], extra: ["--source-api", url("api.json")],
                                          expected: .refused))
    }

    /// Issue 15, point 6: a byte that is not UTF-8, even in a comment, is refused with
    /// its line (it used to be accepted and then damaged every later snapshot).
    func testByteThatIsNotUTF8InAComment() throws {
        let body = Array("104.16.0.0/12\n# caf".utf8) + [0xE9] + Array("\n173.245.48.0/20".utf8)
        try assertNothingChanges(BadInput(rawFiles: ["latin1-v4": body], v4: url("latin1-v4"), expected: .refused,
                                          says: "\(url("latin1-v4")) line 2: not UTF-8 text"))
    }

    /// Issue 15, point 8: seen, a one-prefix list from a new URL replaced the allowlist with
    /// exit 0. The shrink guard compares with the last accepted IPv4 list, whatever its URL.
    func testShrunkListFromANewURL() throws {
        try assertNothingChanges(BadInput(files: ["new-v4": "104.16.0.0/13"], v4: url("new-v4"), expected: .refused,
                                          says: "against the last accepted IPv4 list, from \(url("ips-v4"))"))
    }

    // MARK: -

    private func assertNothingChanges(_ input: BadInput, file: StaticString = #filePath, line: UInt = #line) throws {
        try installUnrelatedTable()
        try applyGoodLists(file: file, line: line)
        for (name, body) in input.files { try writeFile(name, body) }
        for (name, bytes) in input.rawFiles { try Data(bytes).write(to: listsDir.appendingPathComponent(name)) }
        let ruleset = try origin.nftRuleset(handles: true)
        let state = try stateFiles()
        XCTAssertFalse(state.isEmpty, "the good apply left no state", file: file, line: line)

        let run = try cfsync("apply", input.extra, v4: input.v4, v6: input.v6)

        XCTAssertEqual(run.status, input.expected.rawValue, "\(run)", file: file, line: line)
        XCTAssertEqual(run.process.stderrLines.count, 1, "stderr must be exactly one line: \(run)", file: file, line: line)
        XCTAssertTrue(run.stderr.hasSuffix("\n"), "stderr line not terminated: \(run)", file: file, line: line)
        if let says = input.says { XCTAssertTrue(run.stderr.contains(says), "stderr does not say \(says): \(run)", file: file, line: line) }
        XCTAssertFalse(run.process.timedOut, "\(run)", file: file, line: line)
        XCTAssertLessThan(run.process.duration, input.maxSeconds, "\(run)", file: file, line: line)
        XCTAssertEqual(try origin.nftRuleset(handles: true), ruleset, "the ruleset changed", file: file, line: line)
        let after = try stateFiles()
        // Every file byte-identical, the lock file included: cfsync fetches and
        // guards before it takes the lock, so a refused list writes nothing.
        let changed = Set(state.keys).union(after.keys).filter { state[$0] != after[$0] }.sorted()
        XCTAssertEqual(changed, [], "state files changed (before: \(state.keys.sorted()), after: \(after.keys.sorted()))",
                       file: file, line: line)
        // And the firewall still works as the last good lists say.
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "", file: file, line: line)
    }
}
