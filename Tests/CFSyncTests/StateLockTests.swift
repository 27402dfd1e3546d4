import Foundation
import XCTest
@testable import CFSync

/// One run at a time, and a dead holder never blocks the next run.
final class StateLockTests: XCTestCase {
    var base: URL!
    var dir: StateDirectory!

    override func setUpWithError() throws {
        base = try ListServer.makeTempDir("lock")
        dir = StateDirectory(path: base.appendingPathComponent("state").path)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: base)
    }

    private func expectTimeout(_ seconds: Double, file: StaticString = #filePath, line: UInt = #line) {
        let start = Date()
        XCTAssertThrowsError(try StateLock.acquire(in: dir, timeout: seconds), file: file, line: line) { error in
            XCTAssertEqual(error as? LockError, .timedOut(path: dir.path + "/lock", seconds: seconds), file: file, line: line)
        }
        let waited = Date().timeIntervalSince(start)
        XCTAssertGreaterThanOrEqual(waited, seconds * 0.9, file: file, line: line)
        XCTAssertLessThan(waited, seconds + 1, file: file, line: line)
    }

    func testSecondAcquireTimesOutUntilReleased() throws {
        let first = try StateLock.acquire(in: dir, timeout: 1)
        expectTimeout(0.3)
        first.release()
        first.release()
        let second = try StateLock.acquire(in: dir, timeout: 1)
        second.release()
    }

    func testDeinitReleases() throws {
        do {
            _ = try StateLock.acquire(in: dir, timeout: 1)
        }
        try StateLock.acquire(in: dir, timeout: 0).release()
    }

    func testLockFileIsCreatedWithTheStateDirAndNamesTheHolder() throws {
        let lock = try StateLock.acquire(in: dir, timeout: 0)
        defer { lock.release() }
        let text = try String(contentsOfFile: dir.path + "/lock", encoding: .utf8)
        XCTAssertEqual(text, "\(getpid())\n")
    }

    func testMessage() {
        XCTAssertEqual(LockError.timedOut(path: "/var/lib/cfsync/lock", seconds: 60).description,
                       "another cfsync run holds /var/lib/cfsync/lock (waited 60 s, --lock-timeout)")
    }

    /// A lock held by another process (util-linux flock) blocks us; when that process is
    /// killed the kernel drops its lock.
    func testOtherProcessHoldsThenDies() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"), "needs util-linux flock")
        try dir.ensureExists()
        let input = Pipe()
        let output = Pipe()
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        // -o: the command does not inherit the lock, so only flock itself holds it. The
        // command (cat) ends when its stdin closes: Foundation's Process only notices an
        // exit once every descendant is gone, so cat must not outlive the test.
        holder.arguments = ["-o", dir.path + "/lock", "sh", "-c", "echo held; exec cat"]
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        var closed = false
        func finish() {
            if !closed { try? input.fileHandleForWriting.close() }
            closed = true
        }
        defer {
            finish()
            if holder.isRunning { kill(holder.processIdentifier, SIGKILL) }
        }
        let said = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        XCTAssertEqual(said, "held\n")

        expectTimeout(0.5)
        kill(holder.processIdentifier, SIGKILL)
        finish()
        try StateLock.acquire(in: dir, timeout: 2).release()
        holder.waitUntilExit()
        XCTAssertEqual(holder.terminationReason, .uncaughtSignal)
    }
}
