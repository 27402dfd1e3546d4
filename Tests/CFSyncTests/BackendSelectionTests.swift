import XCTest

@testable import CFSync

/// `auto` and the ufw backend must read ufw's ENABLED the same way: a quoted
/// `ENABLED="yes"` is as active to one as to the other.
final class BackendSelectionTests: XCTestCase {
    func testUfwEnabledIsReadLikeTheUfwBackendReadsIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfsync-sel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let conf = dir.appendingPathComponent("ufw.conf")
        for (text, enabled) in [("ENABLED=yes\n", true), ("ENABLED=\"yes\"\n", true), ("  ENABLED=YES\n", true),
                                ("ENABLED=no\n", false), ("ENABLED=yes\nENABLED=no\n", false), ("# ENABLED=yes\n", false)] {
            try text.write(to: conf, atomically: true, encoding: .utf8)
            let backend = try UfwConfig(paths: UfwPaths(root: dir.path, defaults: dir.appendingPathComponent("none").path))
            XCTAssertEqual(backend.enabled, enabled, text)
            XCTAssertEqual(BackendSelection.ufwIsEnabled(config: conf.path), enabled, text)
        }
    }
}
