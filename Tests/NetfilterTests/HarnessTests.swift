import Foundation
import XCTest

/// Proves the harness itself with plain nft and python, without cfsync: if these fail,
/// the scenario failures say nothing about cfsync.
final class HarnessTests: NetfilterTestCase {
    func testWithoutRulesEveryAddressReachesEveryPort() throws {
        XCTAssertEqual(try origin.nftRuleset(), "", "a fresh namespace has no rules")
        for (source, destination) in [(Address.clientListedV4, Address.originListedV4),
                                      (Address.clientUnlistedV4, Address.originUnlistedV4),
                                      (Address.clientListedV6, Address.originListedV6),
                                      (Address.clientUnlistedV6, Address.originUnlistedV6)] {
            for port in [80, 443, 22] {
                try assertConnects(from: source, to: destination, port: port)
            }
        }
        XCTAssertEqual(try connect(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 25), .refused)
    }

    func testPlainNftDropShowsAsTimeoutAndSetReadsBack() throws {
        try installUnrelatedTable()
        try origin.nftScript("""
            table inet probe {
            \tset allow_v4 {
            \t\ttype ipv4_addr
            \t\tflags interval
            \t\telements = { 104.16.0.0/12, 173.245.48.0/20 }
            \t}
            \tchain input {
            \t\ttype filter hook input priority filter - 10; policy accept;
            \t\ttcp dport { 80, 443 } ip saddr @allow_v4 accept
            \t\tmeta nfproto ipv4 tcp dport { 80, 443 } drop
            \t\tmeta nfproto ipv6 tcp dport { 80, 443 } ip6 saddr != 2606:4700::/32 drop
            \t}
            }

            """)
        XCTAssertEqual(try origin.nftSetElements(table: "probe", set: "allow_v4"), ["104.16.0.0/12", "173.245.48.0/20"])
        XCTAssertTrue(try origin.nftHasTable("inet", "probe"))
        XCTAssertFalse(try origin.nftHasTable("inet", "cfsync"))
        XCTAssertTrue(try origin.nftRuleset().contains("table inet filter"))
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        try assertDropped(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 443)
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 22)
        try assertConnects(from: Address.clientListedV6, to: Address.originListedV6, port: 80)
        try assertDropped(from: Address.clientUnlistedV6, to: Address.originUnlistedV6, port: 80)
        try assertConnects(from: Address.clientUnlistedV6, to: Address.originUnlistedV6, port: 22)
    }

    func testStatelessListingIgnoresCountersButHandlesShowRecreation() throws {
        try installUnrelatedTable()
        let before = try origin.nftTable("inet", "filter")
        let beforeHandles = try origin.nftTable("inet", "filter", handles: true)
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        XCTAssertNotEqual(try origin.nftTable("inet", "filter", stateless: false), before, "the counter moved")
        XCTAssertEqual(try origin.nftTable("inet", "filter"), before)
        try origin.nft("delete", "table", "inet", "filter")
        try installUnrelatedTable()
        XCTAssertEqual(try origin.nftTable("inet", "filter"), before)
        XCTAssertNotEqual(try origin.nftTable("inet", "filter", handles: true), beforeHandles)
    }

    func testListServerServesFilesInsideTheOriginNamespace() throws {
        try serveGoodLists()
        let fetch = """
            import sys, urllib.request, urllib.error
            try:
                r = urllib.request.urlopen(sys.argv[1], timeout=5); print(r.status); sys.stdout.write(r.read().decode())
            except urllib.error.HTTPError as e:
                print(e.code)
            """
        let ok = try origin.check([tools.python, "-c", fetch, url("ips-v4")])
        XCTAssertEqual(ok.stdout, "200\n" + Self.goodV4.joined(separator: "\n"))
        XCTAssertEqual(try origin.check([tools.python, "-c", fetch, url("status/404")]).stdout, "404\n")
        // The client namespace cannot reach the origin's loopback.
        let fromClient = try client.run([tools.python, "-c", fetch, url("ips-v4")])
        XCTAssertFalse(fromClient.succeeded)
    }

    /// The zero-failure assertion of the change scenario only means something if the
    /// prober notices a short outage.
    func testContinuousProberCountsAShortOutage() throws {
        let prober = try ContinuousProber(in: client, from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        usleep(300_000)
        try origin.nftScript("""
            table inet outage {
            \tchain input {
            \t\ttype filter hook input priority 0; policy accept;
            \t\ttcp dport 443 drop
            \t}
            }

            """)
        usleep(300_000)
        try origin.nft("delete", "table", "inet", "outage")
        usleep(1_000_000)
        let stats = try prober.stop()
        XCTAssertGreaterThan(stats.failed, 0, "\(stats)")
        XCTAssertGreaterThan(stats.connected, 10, "\(stats)")
        XCTAssertTrue(stats.failures.allSatisfy { $0.result == "timeout" }, "\(stats)")
    }

    func testContinuousProberWithoutRulesHasNoFailures() throws {
        let prober = try ContinuousProber(in: client, from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        usleep(1_000_000)
        let stats = try prober.stop()
        XCTAssertEqual(stats.failed, 0, "\(stats)")
        XCTAssertGreaterThan(stats.attempts, 20, "\(stats)")
    }
}
