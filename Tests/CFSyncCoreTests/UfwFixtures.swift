import Foundation

/// Files written by ufw 0.36.2 itself (Tests/Fixtures/ufw): user rules of every
/// kind (port, source, interface, app profile, comments) around cfsync's rules.
enum UfwFixtures {
    static let dir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ufw")

    static func text(_ name: String) -> String {
        (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? "missing fixture \(name)"
    }

    static var userRules: String { text("user.rules") }
    static var user6Rules: String { text("user6.rules") }
    static var packageRules: String { text("package-user.rules") }
    static var statusNumbered: String { text("status-numbered.txt") }
}
