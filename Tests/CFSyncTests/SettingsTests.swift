import CFSyncCore
import Foundation
import XCTest

@testable import CFSync

final class SettingsTests: XCTestCase {
    func resolve(_ values: [SettingKey: SettingValue]) throws -> Settings {
        try Settings(resolving: values) { "--\($0.rawValue)" }
    }

    func usageMessage(_ values: [SettingKey: SettingValue]) -> String? {
        do {
            _ = try resolve(values)
            return nil
        } catch let error as CFSyncError {
            XCTAssertEqual(error.exit, .usage)
            return error.message
        } catch {
            return "unexpected \(error)"
        }
    }

    func testDefaultsFollowTheSpec() throws {
        let s = try resolve([:])
        XCTAssertEqual(s.backend, .auto)
        XCTAssertEqual(s.policy, Policy(mode: .lockdown, ports: [80, 443], families: [.ipv4, .ipv6]))
        XCTAssertEqual(s.sourceV4, "https://www.cloudflare.com/ips-v4")
        XCTAssertEqual(s.sourceV6, "https://www.cloudflare.com/ips-v6")
        XCTAssertEqual(s.stateDir, "/var/lib/cfsync")
        XCTAssertEqual(s.maxListSize, 1_048_576)
        XCTAssertEqual(s.maxShrinkPercent, 30)
        XCTAssertEqual(s.lockTimeout, 60)
        XCTAssertEqual(s.timeout, 30)
    }

    func testValuesFromTheCommandLineAndTOMLMeanTheSame() throws {
        let cli = try resolve([.ports: .string("443, 80,8443"), .maxListSize: .string("2M"), .family: .string("ipv4")])
        let toml = try resolve([.ports: .list([.integer(8443), .integer(443), .integer(80)]), .maxListSize: .integer(2_097_152), .family: .string("ipv4")])
        XCTAssertEqual(cli, toml)
        XCTAssertEqual(cli.ports, [80, 443, 8443])
        XCTAssertEqual(try resolve([.maxListSize: .string("512K")]).maxListSize, 524_288)
    }

    func testBadValuesNameTheOptionAndTheValue() {
        XCTAssertEqual(usageMessage([.ports: .string("80,0")]), "--ports: '0' is not a tcp port (1–65535)")
        XCTAssertEqual(usageMessage([.ports: .string("80,http")]), "--ports: 'http' is not a tcp port (1–65535)")
        XCTAssertEqual(usageMessage([.mode: .string("open")]), "--mode: 'open' must be lockdown or allow")
        XCTAssertEqual(usageMessage([.backend: .string("pf")]), "--backend: 'pf' must be nftables, iptables, ufw, firewalld or auto")
        XCTAssertEqual(usageMessage([.sourceV4: .string("ftp://x/ips")]), "--source-v4: 'ftp://x/ips' is not an http://, https:// or file:// URL")
        XCTAssertEqual(usageMessage([.maxShrinkPercent: .string("150")]), "--max-shrink-percent: '150' is out of range (0–100)")
        XCTAssertEqual(usageMessage([.maxListSize: .string("lots")]), "--max-list-size: 'lots' is not a size in bytes (e.g. 1048576, 512K, 2M)")
        XCTAssertEqual(usageMessage([.offline: .string("yes")]), "--offline: 'yes' is not true or false")
        XCTAssertEqual(usageMessage([.allow: .list([.string("0.0.0.0/0")])]), "--allow: '0.0.0.0/0' would allow every IPv4 address")
        XCTAssertNotNil(usageMessage([.allow: .list([.string("192.0.2.1/24")])]))
    }

    func testEveryBackendIsNamedByItsKind() throws {
        XCTAssertEqual(try resolve([.backend: .string("firewalld")]).backend, .fixed(.firewalld))
        XCTAssertEqual(try resolve([.backend: .string("auto")]).backend, .auto)
    }

    func testWatchIntervalDefaultsToFiveSecondsAndMustBePositive() throws {
        XCTAssertEqual(try resolve([:]).watchInterval, 5)
        XCTAssertEqual(try resolve([.watchInterval: .string("0.5")]).watchInterval, 0.5)
        XCTAssertEqual(try resolve([.watchInterval: .integer(30)]).watchInterval, 30)
        XCTAssertEqual(usageMessage([.watchInterval: .string("0")]), "--watch-interval: '0' is out of range (0.1–86400)")
        XCTAssertEqual(usageMessage([.watchInterval: .string("-5")]), "--watch-interval: '-5' is out of range (0.1–86400)")
        XCTAssertEqual(SettingKey(configName: "watch_interval"), .watchInterval)
    }

    func testAllowTakesPrivateRanges() throws {
        let s = try resolve([.allow: .list([.string("10.1.2.3/32"), .string("fd00::/8")])])
        XCTAssertEqual(s.allow.map(\.description), ["10.1.2.3/32", "fd00::/8"])
    }

    func testConfigFileRejectsUnknownKeysAndWrongTypes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfsync-\(UUID().uuidString).toml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "backend = \"nftables\"\nports = [80, 443]\nstate_dir = \"/tmp/x\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let values = try ConfigFile.load(path: path)
        XCTAssertEqual(values[.stateDir], .string("/tmp/x"))
        XCTAssertEqual(values[.ports], .list([.integer(80), .integer(443)]))

        try "backend = \"nftables\"\nport = 443\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ConfigFile.load(path: path)) { error in
            XCTAssertEqual((error as? CFSyncError)?.message, "config \(path): unknown key 'port'")
            XCTAssertEqual((error as? CFSyncError)?.exit, .usage)
        }

        try "mode = 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let wrongType = try ConfigFile.load(path: path)
        XCTAssertThrowsError(try Settings(resolving: wrongType) { _ in "config key 'mode'" }) { error in
            XCTAssertEqual((error as? CFSyncError)?.message, "config key 'mode': 1 is not a string")
        }

        try "mode = \"lockdown\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ConfigFile.load(path: path)) { error in
            XCTAssertEqual((error as? CFSyncError)?.exit, .usage)
        }
    }

    func testErrorsMapToTheSpecExitCodes() {
        XCTAssertEqual(CFSyncError.classify(ListError(source: "u", line: 1, reason: "r")).exit, .refused)
        XCTAssertEqual(CFSyncError.classify(FetchError(url: "u", reason: .httpStatus(404))).exit, .error)
        XCTAssertEqual(CFSyncError.classify(CFSyncError.usage("x")).exit, .usage)
        XCTAssertEqual(CFSyncExit.usage.rawValue, 64)
        XCTAssertEqual(CFSyncExit.locked.rawValue, 4)
        XCTAssertEqual(CFSyncExit.refused.rawValue, 3)
        XCTAssertEqual(CFSyncExit.changes.rawValue, 2)
    }
}
