import CFSyncCore
import Foundation

/// A private copy of ufw's configuration (/etc/ufw, /lib/ufw, /etc/default/ufw)
/// that every ufw and cfsync command of a test sees instead of the host's, and a
/// private /run, so ufw's lock (/run/ufw.lock) is the test's and not the host's.
///
/// Safety: each command runs as `ip netns exec <ns> sh -c 'mount --bind …; exec …'`.
/// `ip netns exec` gives every command its own mount namespace (slave to ours,
/// itself private under scripts/test's `unshare --mount`), so the bind mounts
/// exist only for that one command and ufw's writes land in the copy.
struct UfwSandbox {
    let directory: URL
    let namespace: Namespace

    static let copies: [(host: String, name: String)] = [
        ("/etc/ufw", "etc-ufw"), ("/lib/ufw", "lib-ufw"), ("/etc/default/ufw", "default-ufw"),
    ]

    init(in namespace: Namespace, under work: URL) throws {
        self.namespace = namespace
        directory = work.appendingPathComponent("ufw")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (host, name) in Self.copies {
            let result = try Subprocess.run(["/bin/cp", "-a", host, directory.appendingPathComponent(name).path])
            guard result.succeeded else { throw SubprocessError(description: "copying \(host): \(result)") }
        }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("run"), withIntermediateDirectories: true)
        // ufw-init applies sysctl.conf on start; the namespace needs none of it.
        let empty = directory.appendingPathComponent("sysctl-empty")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        try setDefault("IPT_SYSCTL", empty.path)
    }

    var etcUfw: URL { directory.appendingPathComponent("etc-ufw") }

    /// Sets KEY=value in the private /etc/default/ufw.
    func setDefault(_ key: String, _ value: String) throws {
        let url = directory.appendingPathComponent("default-ufw")
        var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n").filter { !$0.hasPrefix(key + "=") }
        lines.insert("\(key)=\(value)", at: 0)
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    /// `arguments` inside the namespace with the private copy mounted over the host paths.
    func run(_ arguments: [String], timeout: TimeInterval = 120) throws -> ProcessResult {
        try namespace.run(mounted(arguments), timeout: timeout)
    }

    /// The same, started in the background (to signal it while it runs).
    func background(_ arguments: [String]) throws -> BackgroundProcess {
        try namespace.background(mounted(arguments))
    }

    /// `arguments` behind a shell that mounts the copies first, then execs them.
    private func mounted(_ arguments: [String]) -> [String] {
        var script = ""
        for (host, name) in Self.copies + [("/run", "run")] {
            script += "mount --bind \"$1/\(name)\" \(host) || exit 97\n"
        }
        script += "shift\nexec \"$@\"\n"
        return ["/bin/sh", "-c", script, "sh", directory.path] + arguments
    }

    @discardableResult
    func ufw(_ arguments: String...) throws -> ProcessResult {
        let result = try run(["/usr/sbin/ufw"] + arguments)
        guard result.succeeded else { throw SubprocessError(description: "ufw \(arguments.joined(separator: " ")): \(result)") }
        return result
    }

    /// `ufw status numbered`, parsed.
    func statusRows() throws -> [UfwStatusRow] {
        UfwStatus.parse(try ufw("status", "numbered").stdout)
    }

    func rulesFile(_ family: Family) throws -> String {
        try String(contentsOf: etcUfw.appendingPathComponent(UfwLayout.rulesFile(family)), encoding: .utf8)
    }

    /// The rules file with cfsync's entries taken out: what must never change.
    func rulesFileWithoutCFSync(_ family: Family) throws -> String {
        try UfwRulesFile(parsing: try rulesFile(family), name: UfwLayout.rulesFile(family)).replacingOwn(with: []).text
    }
}
