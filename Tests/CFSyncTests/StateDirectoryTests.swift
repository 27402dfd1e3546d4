import Foundation
import XCTest
@testable import CFSync

/// The state dir: atomic writes, modes, nested dirs, refusing to escape it.
final class StateDirectoryTests: XCTestCase {
    var base: URL!
    var dir: StateDirectory!

    override func setUpWithError() throws {
        base = try ListServer.makeTempDir("state")
        dir = StateDirectory(path: base.appendingPathComponent("var/lib/cfsync").path)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: base)
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try XCTUnwrap(attributes[.posixPermissions] as? Int)
    }

    func testEnsureExistsCreatesParentsWithMode0700() throws {
        let old = umask(0o022)
        defer { umask(old) }
        try dir.ensureExists()
        XCTAssertEqual(try mode(dir.path), 0o700)
        XCTAssertEqual(try mode(base.appendingPathComponent("var").path), 0o700)
        try dir.ensureExists()  // idempotent
    }

    func testEnsureExistsLeavesAnExistingDirectoryAlone() throws {
        try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o750])
        try dir.ensureExists()
        XCTAssertEqual(try mode(dir.path), 0o750)
    }

    func testNotADirectoryIsAnErrorNamingThePath() throws {
        try FileManager.default.createDirectory(at: base.appendingPathComponent("var/lib"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir.path))
        XCTAssertThrowsError(try dir.ensureExists()) { error in
            XCTAssertEqual("\(error)", "state dir \(dir.path): \(dir.path) exists and is not a directory")
        }
        XCTAssertThrowsError(try dir.write("a", [1]))
    }

    func testWriteReadRoundTripWithMode0600AndNestedDirs() throws {
        try dir.write("snapshots/2026/one.json", Array("{}".utf8))
        XCTAssertEqual(try dir.read("snapshots/2026/one.json"), Array("{}".utf8))
        XCTAssertEqual(try mode(dir.path + "/snapshots/2026/one.json"), 0o600)
        XCTAssertEqual(try mode(dir.path + "/snapshots/2026"), 0o700)
        XCTAssertEqual(try mode(dir.path + "/snapshots"), 0o700)
        try dir.write("plans/last.json", [], mode: 0o644)
        XCTAssertEqual(try mode(dir.path + "/plans/last.json"), 0o644)
        XCTAssertEqual(try dir.read("plans/last.json"), [])
    }

    func testWriteReplacesAtomicallyAndLeavesNoTempFiles() throws {
        try dir.write("lists/a.txt", Array("old".utf8))
        let before = try FileManager.default.attributesOfItem(atPath: dir.path + "/lists/a.txt")[.systemFileNumber] as? Int
        try dir.write("lists/a.txt", Array("new".utf8))
        let after = try FileManager.default.attributesOfItem(atPath: dir.path + "/lists/a.txt")[.systemFileNumber] as? Int
        XCTAssertNotEqual(before, after, "a new inode means rename, not rewrite in place")
        XCTAssertEqual(try dir.read("lists/a.txt"), Array("new".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/lists"), ["a.txt"])
    }

    func testWriteIfChangedLeavesAFileWithTheSameBytesAlone() throws {
        func inode() throws -> Int? {
            try FileManager.default.attributesOfItem(atPath: dir.path + "/plans/last.json")[.systemFileNumber] as? Int
        }
        XCTAssertTrue(try dir.writeIfChanged("plans/last.json", Array("one".utf8)))
        let first = try inode()
        XCTAssertFalse(try dir.writeIfChanged("plans/last.json", Array("one".utf8)))
        XCTAssertEqual(try inode(), first, "the same bytes: not rewritten")
        XCTAssertTrue(try dir.writeIfChanged("plans/last.json", Array("two".utf8)))
        XCTAssertNotEqual(try inode(), first)
        XCTAssertEqual(try dir.read("plans/last.json"), Array("two".utf8))
    }

    func testListHidesLeftoverTempFilesAndSorts() throws {
        try dir.write("lists/b", [1])
        try dir.write("lists/a", [1])
        try Data().write(to: URL(fileURLWithPath: dir.path + "/lists/.cfsync-tmp-c-1234"))
        XCTAssertEqual(try dir.list("lists"), ["a", "b"])
        XCTAssertEqual(try dir.list("missing"), [])
        XCTAssertEqual(try dir.list(""), ["lists"])
    }

    func testMissingFileReadsAsNilAndRemoveIsIdempotent() throws {
        XCTAssertNil(try dir.read("nothing"))
        try dir.write("x", [1])
        try dir.remove("x")
        try dir.remove("x")
        XCTAssertNil(try dir.read("x"))
    }

    func testPathsCannotEscape() {
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b", "", "a//b", "./a"] {
            XCTAssertThrowsError(try dir.write(bad, [1]), bad) { error in
                XCTAssertTrue("\(error)".hasPrefix("state dir \(dir.path): "), "\(error)")
            }
            XCTAssertThrowsError(try dir.read(bad), bad)
        }
    }

    func testReadingADirectoryIsAnError() throws {
        try dir.write("sub/file", [1])
        XCTAssertThrowsError(try dir.read("sub")) { error in
            XCTAssertEqual("\(error)", "state dir \(dir.path): cannot read sub: Is a directory")
        }
    }

    func testUnwritableDirectory() throws {
        try XCTSkipIf(geteuid() == 0, "root writes anywhere")
        try dir.ensureExists()
        chmod(dir.path, 0o500)
        defer { chmod(dir.path, 0o700) }
        XCTAssertThrowsError(try dir.write("a", [1])) { error in
            XCTAssertEqual("\(error)", "state dir \(dir.path): cannot write a: Permission denied")
        }
    }
}
