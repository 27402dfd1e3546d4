import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The built binary when every https source fails TLS: it must end by a normal exit,
/// every time. Loopback only (ListServer with its self-signed certificate).
final class FetchFailureExitTests: XCTestCase {
    /// How often the run is repeated: the crash this guards against was a race. With the
    /// fix reverted it hit ~3% of runs here, so 30 runs missed it in about 1 test of 3;
    /// 60 (~11 s) catches it in about 3 of 4 test runs.
    static let runs = 60

    var server: ListServer!

    override func setUpWithError() throws {
        server = try ListServer(files: ["ips-v4": "104.16.0.0/13\n", "ips-v6": "2606:4700::/32\n"], tls: true)
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    /// Two https sources whose TLS handshakes fail (cfsync rejects the self-signed
    /// certificate). Before 4e20a08 the run exited while the other transfer was still
    /// alive on the curl loop thread, exit() ran OpenSSL's cleanup under it, and the
    /// process died by SIGSEGV or SIGABRT in about 5 of 40 runs instead of exiting 1.
    /// So: repeated, and each run must be a normal exit with status 1 and one line on
    /// stderr naming the https URL and the TLS/certificate failure.
    func testTLSFailureOnTwoHTTPSSourcesExitsCleanlyEveryTime() throws {
        let v4 = server.url("ips-v4"), v6 = server.url("ips-v6")
        XCTAssertTrue(v4.hasPrefix("https://127.0.0.1:"), v4)
        for run in 1...Self.runs {
            let stateDir = try ListServer.makeTempDir("exit-state")
            defer { try? FileManager.default.removeItem(at: stateDir) }
            let result = try Self.cfsync(["plan", "--source-v4", v4, "--source-v6", v6,
                                          "--state-dir", stateDir.path, "--backend", "nftables"])
            let label = "run \(run)/\(Self.runs)"
            guard result.reason == .exit else {
                XCTFail("\(label): killed by signal \(result.status), stderr: \(result.stderr)")
                continue
            }
            XCTAssertEqual(result.status, 1, "\(label): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(label): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(v4) || result.stderr.contains(v6), "\(label): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("TLS"), "\(label): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("certificate"), "\(label): \(result.stderr)")
        }
    }

    struct Result {
        var reason: Process.TerminationReason
        /// The exit status, or the signal number when `reason` is `.uncaughtSignal`.
        var status: Int32
        var stderr: String
    }

    /// Runs `CLITests.binary` (CLITests.runArgs reports no termination reason). A run
    /// that hangs is killed after 60 s, which then fails as a death by signal.
    static func cfsync(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = arguments
        // Only loopback: no proxy, whatever the environment of the test run says.
        process.environment = ["COLUMNS": "100", "PATH": "/usr/bin:/bin",
                               "no_proxy": "127.0.0.1,localhost,::1", "NO_PROXY": "127.0.0.1,localhost,::1"]
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return Result(reason: process.terminationReason, status: process.terminationStatus,
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}
