import Foundation
import XCTest

/// The built binary, for what needs no firewall: help, version, usage errors
/// and their exit codes. (Runs that read or change rules are in NetfilterTests.)
final class CLITests: XCTestCase {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        var products = Bundle.main.bundleURL
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            products = bundle.bundleURL.deletingLastPathComponent()
        }
        return products.appendingPathComponent("cfsync")
    }

    func cfsync(_ arguments: String...) throws -> Run { try runArgs(arguments) }

    func testHelpIsTheSameEveryWayItIsAsked() throws {
        let long = try cfsync("plan", "--help"), short = try cfsync("plan", "-h"), word = try cfsync("help", "plan")
        XCTAssertEqual(long.status, 0)
        XCTAssertEqual(long.stdout, short.stdout)
        XCTAssertEqual(long.stdout, word.stdout)
        XCTAssertTrue(long.stdout.contains("--detailed-exitcode"), long.stdout)
        let root = try cfsync("--help")
        for command in ["plan", "apply", "status", "rollback", "snapshots", "remove", "doctor", "confirm", "watch", "version"] {
            XCTAssertTrue(root.stdout.contains("  \(command) "), "\(command) missing from cfsync --help")
        }
        XCTAssertTrue(root.stdout.contains("64 usage or configuration error"), root.stdout)
    }

    func testVersionBothWays() throws {
        let flag = try cfsync("--version"), command = try cfsync("version")
        XCTAssertEqual(flag.status, 0)
        XCTAssertEqual(flag.stdout, command.stdout)
        XCTAssertFalse(flag.stdout.isEmpty)
    }

    /// Every usage error: exit 64, exactly one line on stderr naming the input.
    func testUsageErrorsExit64WithOneLine() throws {
        let cases: [([String], String)] = [
            (["plan", "--ports", "80,99999"], "--ports: '99999' is not a tcp port (1–65535)"),
            (["plan", "--mode", "open"], "--mode: 'open' must be lockdown or allow"),
            (["plan", "--bogus"], "Unknown option '--bogus'"),
            (["plan", "--allow", "0.0.0.0/0"], "--allow"),
            (["plan", "--config", "/nonexistent/cfsync.toml"], "config /nonexistent/cfsync.toml: cannot be read"),
            (["frobnicate"], "frobnicate"),
            (["watch", "--watch-interval", "0"], "--watch-interval: '0' is out of range (0.1–86400)"),
        ]
        for (arguments, expected) in cases {
            let real = try runArgs(arguments)
            XCTAssertEqual(real.status, 64, "\(arguments): \(real.stderr)")
            let lines = real.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(arguments): \(real.stderr)")
            XCTAssertTrue(real.stderr.contains(expected), "\(arguments): \(real.stderr)")
            XCTAssertEqual(real.stdout, "", "\(arguments)")
        }
    }

    func testUsageErrorInJSONModeStillPrintsOneObject() throws {
        let run = try runArgs(["plan", "--output", "json", "--ports", "0"])
        XCTAssertEqual(run.status, 64)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["result"] as? String, "error")
        XCTAssertEqual(object["error"] as? String, "--ports: '0' is not a tcp port (1–65535)")
    }

    func runArgs(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = ["COLUMNS": "100", "PATH": "/usr/bin:/bin"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}
