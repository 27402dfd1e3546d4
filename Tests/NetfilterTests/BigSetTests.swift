import Foundation
import XCTest

/// Sets far beyond Cloudflare's size (a custom list of a whole country, say): the netlink
/// batch that carries them asks for an ack per message, and every ack must fit in the
/// socket's receive buffer (seen: ENOBUFS at ~147k prefixes with the default buffer).
final class BigSetTests: NetfilterTestCase {
    /// `count` distinct public /24s with an even third octet (no two merge), ascending.
    static func prefixes(_ count: Int, skipping skip: Set<Int> = []) -> [String] {
        let slash8s = (1...223).filter { ![0, 10, 100, 127, 169, 172, 192, 198, 203].contains($0) }
        var out: [String] = []
        var index = 0
        outer: for a in slash8s {
            for b in 0..<256 {
                for c in stride(from: 0, to: 256, by: 2) {
                    defer { index += 1 }
                    if skip.contains(index) { continue }
                    out.append("\(a).\(b).\(c).0/24")
                    if out.count == count { break outer }
                }
            }
        }
        return out
    }

    func testOneHundredFiftyThousandPrefixesApplyVerifyAndChange() throws {
        try serveGoodLists()
        let big = Self.prefixes(150_000)
        try writeList("big-v4", big)
        let options = ["--max-list-size", "8M"]

        let first = try cfsync("apply", options, v4: url("big-v4"), json: true, timeout: 300)

        XCTAssertEqual(first.status, 0, first.string("error") ?? first.stderr)
        XCTAssertEqual((first.json?["counts"] as? [String: Int])?["ipv4"], 150_000)
        XCTAssertEqual(try origin.nftSetElements(set: "allow_v4").count, 150_000)

        // 1% withdrawn and as many added: the delta path, one batch of ~3k element messages.
        let changed = Self.prefixes(150_000, skipping: Set(stride(from: 0, to: 150_000, by: 100)))
        try writeList("big-v4", changed)
        let second = try cfsync("apply", options, v4: url("big-v4"), json: true, timeout: 300)

        XCTAssertEqual(second.status, 0, second.string("error") ?? second.stderr)
        XCTAssertEqual(second.changes?["ipv4"]?["remove"]?.count, 1_500)
        XCTAssertEqual(second.changes?["ipv4"]?["add"]?.count, 1_500)
    }
}
