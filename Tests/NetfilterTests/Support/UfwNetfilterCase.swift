import Foundation
import XCTest

/// Base of the ufw scenarios: ufw enabled in the origin namespace with default deny
/// incoming and `allow 22/tcp` (plus what `addRules` adds), all in a private copy of
/// ufw's files (see `UfwSandbox`).
class UfwNetfilterCase: NetfilterTestCase {
    var ufw: UfwSandbox!

    /// Rules a scenario adds before ufw is enabled.
    func addRules() throws {}

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/ufw") else {
            if NetfilterSuite.isRequested { throw SubprocessError(description: "ufw is not installed") }
            throw XCTSkip("ufw is not installed")
        }
        ufw = try UfwSandbox(in: origin, under: work)
        try ufw.ufw("default", "deny", "incoming")
        try ufw.ufw("allow", "22/tcp")
        try addRules()
        try ufw.ufw("--force", "enable")
    }
}
