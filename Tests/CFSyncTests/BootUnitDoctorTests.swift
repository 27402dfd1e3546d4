import CFSyncCore
import CFSyncTestSupport
import XCTest

@testable import CFSync

/// `doctor`'s boot-unit check against a scripted systemd: it warns when
/// cfsync-restore.service would not put cfsync's objects back at boot.
final class BootUnitDoctorTests: XCTestCase {
    /// systemd as `systemctl show` would answer it; units it does not know are "not-found".
    struct FakeSystemd: SystemdProbe {
        var isRunning = true
        var units: [String: [String: String]] = [:]
        var failure: CFSyncError?

        func properties(of unit: String, _ names: [String]) throws -> [String: String] {
            if let failure { throw failure }
            let known = units[unit] ?? ["LoadState": "not-found"]
            return known.filter { names.contains($0.key) }
        }
    }

    /// A host as the package leaves it: nftables.service enabled, the restore unit
    /// enabled and ordered after it and before network-pre.target.
    func packagedHost() -> FakeSystemd {
        FakeSystemd(units: [
            "cfsync-restore.service": [
                "LoadState": "loaded", "UnitFileState": "enabled",
                "After": "local-fs.target nftables.service netfilter-persistent.service ufw.service firewalld.service",
                "Before": "network-pre.target shutdown.target",
            ],
            "nftables.service": ["LoadState": "loaded", "UnitFileState": "enabled", "ActiveState": "active"],
            "ufw.service": ["LoadState": "loaded", "UnitFileState": "disabled", "ActiveState": "inactive"],
        ])
    }

    func testWithoutSystemdAsPID1ThereIsNothingToCheck() {
        var host = packagedHost()
        host.isRunning = false
        XCTAssertEqual(Syncer.bootUnitFindings(host), [])
    }

    func testWithoutTheUnitFileThereIsNothingToCheck() {
        var host = packagedHost()
        host.units["cfsync-restore.service"] = nil
        XCTAssertEqual(Syncer.bootUnitFindings(host), [])
    }

    func testEnabledAndOrderedAfterTheLoaderIsOK() {
        let findings = Syncer.bootUnitFindings(packagedHost())
        XCTAssertEqual(findings.map(\.status), [.ok], "\(findings)")
        XCTAssertEqual(findings.first?.check, "boot unit")
        XCTAssertTrue(findings.first?.detail.contains("after nftables.service") ?? false, "\(findings)")
    }

    func testDisabledIsAWarningThatSaysHowToEnableIt() {
        var host = packagedHost()
        host.units["cfsync-restore.service"]?["UnitFileState"] = "disabled"
        let findings = Syncer.bootUnitFindings(host)
        XCTAssertEqual(findings.map(\.status), [.warning], "\(findings)")
        XCTAssertTrue(findings[0].detail.contains("cfsync-restore.service is disabled"), findings[0].detail)
        XCTAssertTrue(findings[0].detail.contains("systemctl enable cfsync-restore.service"), findings[0].detail)
    }

    func testMaskedIsAWarning() {
        var host = packagedHost()
        host.units["cfsync-restore.service"] = ["LoadState": "masked", "UnitFileState": "masked"]
        let findings = Syncer.bootUnitFindings(host)
        XCTAssertEqual(findings.map(\.status), [.warning], "\(findings)")
        XCTAssertTrue(findings[0].detail.contains("masked"), findings[0].detail)
    }

    func testALoaderOrderedAfterTheRestoreIsAWarningNamingIt() {
        var host = packagedHost()
        // A drop-in dropped the ordering: nftables.service now runs after the restore.
        host.units["cfsync-restore.service"]?["After"] = "local-fs.target"
        host.units["cfsync-restore.service"]?["Before"] = "network-pre.target nftables.service"
        let findings = Syncer.bootUnitFindings(host)
        XCTAssertEqual(findings.map(\.status), [.warning], "\(findings)")
        XCTAssertTrue(findings[0].detail.contains("nftables.service runs after cfsync-restore.service"), findings[0].detail)
    }

    func testAnUnorderedEnabledLoaderIsAWarning() {
        var host = packagedHost()
        host.units["netfilter-persistent.service"] = ["LoadState": "loaded", "UnitFileState": "enabled", "ActiveState": "active"]
        host.units["cfsync-restore.service"]?["After"] = "local-fs.target nftables.service"
        let findings = Syncer.bootUnitFindings(host)
        XCTAssertEqual(findings.map(\.status), [.warning], "\(findings)")
        XCTAssertTrue(findings[0].detail.contains("netfilter-persistent.service is not ordered before cfsync-restore.service"),
                      findings[0].detail)
    }

    func testALoaderThatDoesNotRunAtBootIsNotChecked() {
        var host = packagedHost()
        // ufw.service is disabled and inactive in packagedHost(); no ordering at all is fine then.
        host.units["cfsync-restore.service"]?["After"] = "local-fs.target nftables.service"
        XCTAssertEqual(Syncer.bootUnitFindings(host).map(\.status), [.ok])
    }

    func testNotBeforeNetworkPreIsAWarning() {
        var host = packagedHost()
        host.units["cfsync-restore.service"]?["Before"] = "shutdown.target"
        let findings = Syncer.bootUnitFindings(host)
        XCTAssertEqual(findings.map(\.status), [.warning], "\(findings)")
        XCTAssertTrue(findings[0].detail.contains("not ordered before network-pre.target"), findings[0].detail)
    }

    func testSystemdThatDoesNotAnswerIsAWarning() {
        var host = packagedHost()
        host.failure = CFSyncError.failed("systemctl show exited 1: Failed to connect to bus")
        let findings = Syncer.bootUnitFindings(host)
        XCTAssertEqual(findings.map(\.status), [.warning], "\(findings)")
        XCTAssertTrue(findings[0].detail.contains("Failed to connect to bus"), findings[0].detail)
    }

    /// The real probe looks at sd_booted(3)'s directory once, when it is made, not on every read.
    func testSystemctlProbeLooksForSystemdOnce() throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("cfsync-booted-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: marker, withIntermediateDirectories: true)
        let probe = SystemctlProbe(runner: ScriptedRunner([]), bootedMarker: marker.path)
        try FileManager.default.removeItem(at: marker)
        XCTAssertTrue(probe.isRunning)
        XCTAssertFalse(SystemctlProbe(runner: ScriptedRunner([]), bootedMarker: marker.path).isRunning)
    }

    /// The real probe parses `systemctl show`'s KEY=VALUE lines.
    func testSystemctlProbeParsesShowOutput() throws {
        let runner = ScriptedRunner([
            .init(argv: ["systemctl", "show", "--property=LoadState,After", "cfsync-restore.service"], stdin: nil,
                  result: CommandResult(status: 0, stdout: "LoadState=loaded\nAfter=a.service b=c.target\n")),
        ])
        let probe = SystemctlProbe(runner: runner)
        XCTAssertEqual(try probe.properties(of: "cfsync-restore.service", ["LoadState", "After"]),
                       ["LoadState": "loaded", "After": "a.service b=c.target"])
        runner.assertDone()
    }
}
