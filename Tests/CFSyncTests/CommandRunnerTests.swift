import Foundation
import XCTest

@testable import CFSync

final class CommandRunnerTests: XCTestCase {
    override func setUp() {
        super.setUp()
        // As cfsync's main does (Signals.prepareProcess).
        signal(SIGPIPE, SIG_IGN)
    }

    func testPassesStdinAndCapturesBothStreams() throws {
        let big = String(repeating: "104.16.0.0/13\n", count: 50_000)
        let result = try SystemCommandRunner().run(["sh", "-c", "cat; echo oops >&2; exit 3"], stdin: big)
        XCTAssertEqual(result.status, 3)
        XCTAssertEqual(result.stdout, big)
        XCTAssertEqual(result.stderr, "oops\n")
    }

    /// Both outputs bigger than a pipe holds, written before stdin is read to its end.
    func testLargeOutputOnBothStreamsWhileStdinIsStillBeingWritten() throws {
        let big = String(repeating: "x", count: 1_000_000)
        let script = "head -c 300000 /dev/zero | tr '\\0' e >&2; head -c 300000 /dev/zero | tr '\\0' o; cat >/dev/null"
        let result = try SystemCommandRunner().run(["sh", "-c", script], stdin: big)
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout.count, 300_000)
        XCTAssertEqual(result.stderr.count, 300_000)
    }

    /// A tool that exits without reading its input: its status, not a broken pipe.
    func testToolThatIgnoresStdin() throws {
        let result = try SystemCommandRunner().run(["sh", "-c", "echo no >&2; exit 2"], stdin: String(repeating: "y", count: 1_000_000))
        XCTAssertEqual(result, CommandResult(status: 2, stderr: "no\n"))
    }

    func testCheckQuotesTheToolsMessage() {
        XCTAssertThrowsError(try SystemCommandRunner().check(["sh", "-c", "echo 'iptables-restore: line 3 failed' >&2; exit 1"])) { error in
            XCTAssertEqual((error as? CFSyncError)?.message, "sh -c echo 'iptables-restore: line 3 failed' >&2; exit 1 exited 1: iptables-restore: line 3 failed")
        }
        XCTAssertThrowsError(try SystemCommandRunner().run(["no-such-tool-cfsync"])) { error in
            XCTAssertEqual((error as? CFSyncError)?.message, "no-such-tool-cfsync is not installed (looked in /usr/sbin:/usr/bin:/sbin:/bin)")
        }
    }

    /// A hanging tool is killed at the time limit, reaped, and named in the error.
    func testTimeLimitKillsAndReapsAHangingTool() throws {
        let started = Date()
        XCTAssertThrowsError(try SystemCommandRunner(timeLimit: 0.5).run(["sh", "-c", "echo $$; exec sleep 30"])) { error in
            XCTAssertEqual((error as? CFSyncError)?.message,
                           "sh did not finish within 0.5 s (the time limit of every tool cfsync runs); killed it")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        var status: Int32 = 0
        XCTAssertEqual(waitpid(-1, &status, WNOHANG), -1, "a child was left unreaped")
    }

    /// The child starts clean whatever the caller's signal state: nothing blocked,
    /// nothing ignored, its own process group, only descriptors 0-2, a fixed environment.
    func testChildGetsACleanSignalStateOwnGroupNoDescriptorsAndFixedEnvironment() throws {
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        sigaddset(&blocked, SIGHUP)
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let oldHup = signal(SIGHUP, SIG_IGN)
        defer { signal(SIGHUP, oldHup) }
        let leaked = open("/dev/null", O_RDONLY)
        defer { close(leaked) }

        let runner = SystemCommandRunner()
        let status = try runner.check(["grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"]).split(separator: "\n")
        XCTAssertEqual(status.first, "SigBlk:\t0000000000000000")
        // Signals 1-31; glibc's posix_spawn leaves its internal 32 and 33 ignored in every child.
        let ignored = status.last.flatMap { UInt64($0.dropFirst("SigIgn:\t".count), radix: 16) }
        XCTAssertEqual(ignored.map { $0 & 0x7fff_ffff }, 0, "ignored: \(status)")
        // "pid (comm) state ppid pgrp …"
        let stat = try runner.check(["cat", "/proc/self/stat"])
        let pid = stat.split(separator: " ")[0], pgrp = stat.split(separator: ")")[1].split(separator: " ")[2]
        XCTAssertEqual(pgrp, pid, "the child leads its own process group")
        XCTAssertEqual(try runner.check(["ls", "/proc/self/fd"]), "0\n1\n2\n3\n", "only 0-2 (and ls's own directory)")
        XCTAssertEqual(try runner.check(["env"]), "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLC_ALL=C\n")
    }
}
