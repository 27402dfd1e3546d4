import Foundation
import XCTest

/// Where the suite's tools and fixtures are, and whether it may run at all.
///
/// Safety: everything that touches rules runs through `ip netns exec` in a namespace
/// a test created itself (see `Topology`). scripts/test additionally runs the whole
/// suite inside `unshare --net --mount` and sets CFSYNC_NETFILTER_SUITE=1.
enum NetfilterSuite {
    /// True when scripts/test started us: then missing prerequisites are failures.
    static var isRequested: Bool {
        let value = ProcessInfo.processInfo.environment["CFSYNC_NETFILTER_SUITE"] ?? ""
        return !value.isEmpty && value != "0"
    }

    struct Tools {
        var ip: String
        var nft: String
        var python: String
    }

    /// The tools, or XCTSkip (suite not requested) / a thrown failure (suite requested).
    static func prerequisites() throws -> Tools {
        var missing: [String] = []
        if geteuid() != 0 { missing.append("root (euid \(geteuid()))") }
        let ip = Subprocess.which("ip")
        let nft = Subprocess.which("nft")
        let python = resolvedPython()
        if ip == nil { missing.append("ip (iproute2)") }
        if nft == nil { missing.append("nft") }
        if python == nil { missing.append("python3") }
        if let ip, let nft, let python, missing.isEmpty {
            return Tools(ip: ip, nft: nft, python: python)
        }
        let text = "netfilter suite prerequisites missing: " + missing.joined(separator: ", ")
        if isRequested { throw SubprocessError(description: text) }
        throw XCTSkip(text + " (set CFSYNC_NETFILTER_SUITE=1, as scripts/test does, to make this a failure)")
    }

    /// python3's real executable (not a pyenv shim script), so probes start fast.
    private static let pythonPath: String? = {
        guard let python3 = Subprocess.which("python3"),
              let result = try? Subprocess.run([python3, "-c", "import sys; print(sys.executable)"], timeout: 20),
              result.succeeded
        else { return nil }
        let path = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return FileManager.default.isExecutableFile(atPath: path) ? path : python3
    }()

    static func resolvedPython() -> String? { pythonPath }

    /// The repository's Tests/Fixtures directory.
    static var fixtures: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // NetfilterTests
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Fixtures")
    }

    static var listServerScript: String { fixtures.appendingPathComponent("listserver.py").path }
    static var tcpServerScript: String { fixtures.appendingPathComponent("netfilter/tcpserver.py").path }
    static var probeScript: String { fixtures.appendingPathComponent("netfilter/probe.py").path }

    /// The built cfsync executable: next to the test bundle (like swift-argument-parser's
    /// AssertExecuteCommand), i.e. `<scratch>/debug/cfsync`; CFSYNC_BINARY overrides.
    static var cfsyncBinary: URL {
        if let override = ProcessInfo.processInfo.environment["CFSYNC_BINARY"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        var products = Bundle.main.bundleURL
        if products.pathExtension == "xctest" { products.deleteLastPathComponent() }
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            products = bundle.bundleURL.deletingLastPathComponent()
        }
        return products.appendingPathComponent("cfsync")
    }
}
