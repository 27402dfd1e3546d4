import CFSyncCore
import CFSyncTestSupport
import Foundation
import XCTest

@testable import CFSync

/// Issue 15, point 8: the state dir holds the last accepted list of each family, whatever
/// its source; `status` and `--offline` use them whatever `--source-*` they are given, and
/// the shrink guard compares with them whatever URL a new list comes from.
final class LastAcceptedListsTests: XCTestCase {
    var dir: URL!
    var settings = Settings()
    let fake = FakeBackend()

    override func setUpWithError() throws {
        dir = try ListServer.makeTempDir("last-accepted")
        settings.stateDir = dir.appendingPathComponent("state").path
        try write("v4", try String(contentsOf: ListServer.fixtures.appendingPathComponent("cloudflare/ips-v4"), encoding: .utf8))
        try write("v6", "2606:4700::/32\n")
        settings.sourceV4 = url("v4")
        settings.sourceV6 = url("v6")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func url(_ name: String) -> String { "file://" + dir.appendingPathComponent(name).path }

    var cache: ListCache { ListCache(dir: StateDirectory(path: settings.stateDir)) }

    func run(_ settings: Settings, _ command: (Syncer) -> Syncer.Outcome) -> Syncer.Outcome {
        command(Syncer(settings: settings, backend: fake))
    }

    func testStatusAndOfflineUseTheLastAcceptedListsWhateverTheSources() throws {
        XCTAssertEqual(run(settings) { $0.apply() }.exit, .success)
        var other = settings
        other.sourceV4 = Settings.cloudflareV4
        other.sourceV6 = Settings.cloudflareV6

        let status = run(other) { $0.status() }
        XCTAssertEqual(status.exit, .success, "\(status.report)")
        XCTAssertEqual(status.report.inSync, true)
        XCTAssertEqual(status.report.sources.map(\.url), [url("v4"), url("v6")], "status names where each list came from")
        XCTAssertEqual(status.report.sources.map(\.fromCache), [true, true])

        other.offline = true
        let offline = run(other) { $0.apply() }
        XCTAssertEqual(offline.exit, .success, "\(offline.report)")
        XCTAssertEqual(offline.report.result, .unchanged)
        XCTAssertEqual(offline.report.sources.map(\.url), [url("v4"), url("v6")])

        other.sourceAPI = "https://api.cloudflare.com/client/v4/ips"
        XCTAssertEqual(run(other) { $0.plan() }.exit, .success)
    }

    func testTheAPIBodyServesBothFamiliesOfflineAfterwards() throws {
        try write("api.json", try String(contentsOf: ListServer.fixtures.appendingPathComponent("cloudflare/api.json"), encoding: .utf8))
        var api = settings
        api.sourceAPI = url("api.json")
        XCTAssertEqual(run(api) { $0.apply() }.exit, .success)
        XCTAssertEqual(try cache.load().map(\.format), [.cloudflareAPI, .cloudflareAPI])

        var plain = settings
        plain.offline = true
        let offline = run(plain) { $0.plan() }
        XCTAssertEqual(offline.exit, .success, "\(offline.report)")
        XCTAssertEqual(offline.report.sources.map(\.url), [url("api.json")], "one body, one source")
        XCTAssertEqual(offline.report.counts[.ipv4], fake.lists.ipv4.count)
        XCTAssertEqual(offline.report.addedCount + offline.report.removedCount, 0)
    }

    /// Seen: a one-prefix list from a new URL replaced a 15-prefix allowlist, exit 0.
    func testTheShrinkGuardComparesWithTheLastListOfTheFamilyFromAnySource() throws {
        XCTAssertEqual(run(settings) { $0.apply() }.exit, .success)
        let installed = try fake.snapshot()
        let accepted = try cache.load()
        try write("small-v4", "104.16.0.0/13\n")
        var moved = settings
        moved.sourceV4 = url("small-v4")

        let refused = run(moved) { $0.apply() }
        XCTAssertEqual(refused.exit, .refused)
        let message = try XCTUnwrap(refused.report.error)
        XCTAssertTrue(message.hasPrefix("\(url("small-v4")): IPv4 coverage would shrink by"), message)
        XCTAssertTrue(message.contains("against the last accepted IPv4 list, from \(url("v4"))"), message)
        XCTAssertEqual(try fake.snapshot(), installed)
        XCTAssertEqual(try cache.load(), accepted)

        moved.force = true
        XCTAssertEqual(run(moved) { $0.apply() }.report.result, .applied)
        XCTAssertEqual(fake.lists.ipv4, v4("104.16.0.0/13"))
        XCTAssertEqual(try cache.load().map(\.url), [url("small-v4"), url("v6")])
    }

    /// Seen: a run with other sources dropped the previous lists. A run that manages one
    /// family keeps the last accepted list of the other.
    func testARunForOneFamilyKeepsTheOtherFamilysList() throws {
        XCTAssertEqual(run(settings) { $0.apply() }.exit, .success)
        let v6 = try XCTUnwrap(try cache.load().last)
        try write("other-v4", "104.16.0.0/12\n173.245.48.0/20\n103.21.244.0/22\n103.22.200.0/22\n103.31.4.0/22\n"
                  + "141.101.64.0/18\n108.162.192.0/18\n190.93.240.0/20\n188.114.96.0/20\n197.234.240.0/22\n"
                  + "198.41.128.0/17\n162.158.0.0/15\n172.64.0.0/13\n131.0.72.0/22\n")
        var v4Only = settings
        v4Only.families = [.ipv4]
        v4Only.sourceV4 = url("other-v4")
        XCTAssertEqual(run(v4Only) { $0.apply() }.exit, .success)
        let kept = try cache.load()
        XCTAssertEqual(kept.map(\.family), [.ipv4, .ipv6])
        XCTAssertEqual(kept.first?.url, url("other-v4"))
        XCTAssertEqual(kept.last, v6)
    }

    /// An ETag stands for one URL's body: sending it to another URL that happens to serve
    /// the same bytes would make that server answer 304 for a list never fetched from it.
    func testTheETagIsSentOnlyToTheURLItCameFrom() throws {
        let body = "104.16.0.0/12\n173.245.48.0/20\n"
        let server = try ListServer(files: ["a-v4": body, "b-v4": body, "v6": "2606:4700::/32\n"])
        defer { server.stop() }
        settings.sourceV4 = server.url("a-v4")
        settings.sourceV6 = server.url("v6")
        XCTAssertEqual(run(settings) { $0.apply() }.exit, .success)

        let again = run(settings) { $0.plan() }
        XCTAssertEqual(again.report.sources.map(\.fromCache), [true, true], "a 304 from the same URLs")

        settings.sourceV4 = server.url("b-v4")
        let moved = run(settings) { $0.plan() }
        XCTAssertEqual(moved.exit, .success, "\(moved.report)")
        XCTAssertEqual(moved.report.sources.map(\.url), [server.url("b-v4"), server.url("v6")])
        XCTAssertEqual(moved.report.sources.map(\.fromCache), [false, true])
    }

    /// spec: `apply --offline` with an empty state dir changes nothing and says so (exit 0),
    /// as at the first boot of a host that never fetched.
    func testOfflineApplyWithNothingAcceptedChangesNothingAndSaysSo() throws {
        settings.offline = true
        let outcome = run(settings) { $0.apply() }
        XCTAssertEqual(outcome.exit, .success, "\(outcome.report)")
        XCTAssertEqual(outcome.report.result, .unchanged)
        XCTAssertEqual(outcome.report.note, "nothing to apply: no list was ever accepted in \(settings.stateDir)")
        XCTAssertEqual(try fake.snapshot(), "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: settings.stateDir), "an empty state dir stays as it was")
    }

    func testStatusSaysWhichListIsMissing() throws {
        let status = run(settings) { $0.status() }
        XCTAssertEqual(status.exit, .error)
        XCTAssertEqual(status.report.error, "no list was ever accepted in \(settings.stateDir); run cfsync apply without --offline first")

        var v4Only = settings
        v4Only.families = [.ipv4]
        XCTAssertEqual(run(v4Only) { $0.apply() }.exit, .success)
        let both = run(settings) { $0.status() }
        XCTAssertEqual(both.exit, .error)
        XCTAssertEqual(both.report.error, "no accepted IPv6 list in \(settings.stateDir); run cfsync apply without --offline first")
    }
}
