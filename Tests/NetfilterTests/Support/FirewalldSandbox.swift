import Foundation
import XCTest

/// A real firewalld (Debian's package) with a system D-Bus of its own, both inside a test's
/// origin namespace, configured from a private /etc/firewalld that the test writes.
///
/// Safety: the daemons and every command that talks to them (firewall-cmd, cfsync) run as
/// `ip netns exec <ns> sh -c 'mount --bind …; exec …'`. Each such command has its own mount
/// namespace, so the same two private directories are bound on every one: `etc` over
/// /etc/firewalld (firewalld's permanent configuration) and `run` over /run (the bus socket
/// in /run/dbus, firewalld's /run/firewalld). The host's bus, its /etc/firewalld and its
/// firewall are never seen, and the bus activates nothing (no polkit: firewalld then
/// authorizes by uid, and every caller here is root).
final class FirewalldSandbox {
    static let daemon = "/usr/sbin/firewalld"
    static let firewallCmd = "/usr/bin/firewall-cmd"
    static let busDaemon = "/usr/bin/dbus-daemon"

    let directory: URL
    let namespace: Namespace
    private var bus: BackgroundProcess?
    private var firewalld: BackgroundProcess?

    /// The private /etc/firewalld.
    var etc: URL { directory.appendingPathComponent("etc") }
    private var run: URL { directory.appendingPathComponent("run") }
    private var busConfig: URL { directory.appendingPathComponent("bus.conf") }

    /// firewalld's settings, fixed so that the host's own firewalld.conf does not matter.
    static let settings = """
        DefaultZone=public
        CleanupOnExit=yes
        CleanupModulesOnExit=no
        Lockdown=no
        IPv6_rpfilter=yes
        IndividualCalls=no
        LogDenied=off
        FirewallBackend=nftables
        FlushAllOnReload=yes
        RFC3964_IPv4=yes

        """

    /// A system bus that listens where firewalld and firewall-cmd look, with the policy of
    /// Debian's system.conf and the services' own policy files, and no service activation.
    static let busConfiguration = """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>system</type>
          <user>messagebus</user>
          <auth>EXTERNAL</auth>
          <listen>unix:path=/run/dbus/system_bus_socket</listen>
          <policy context="default">
            <allow user="*"/>
            <deny own="*"/>
            <deny send_type="method_call"/>
            <allow send_type="signal"/>
            <allow send_requested_reply="true" send_type="method_return"/>
            <allow send_requested_reply="true" send_type="error"/>
            <allow receive_type="method_call"/>
            <allow receive_type="method_return"/>
            <allow receive_type="error"/>
            <allow receive_type="signal"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
          </policy>
          <includedir>/usr/share/dbus-1/system.d</includedir>
          <includedir>/etc/dbus-1/system.d</includedir>
        </busconfig>

        """

    /// firewalld, firewall-cmd and dbus-daemon, or XCTSkip / a thrown failure as for the suite.
    static func prerequisites() throws {
        let missing = [daemon, firewallCmd, busDaemon, "/etc/firewalld"].filter { !FileManager.default.fileExists(atPath: $0) }
        guard !missing.isEmpty else { return }
        let text = "firewalld's tests need " + missing.joined(separator: ", ") + " (scripts/setup installs firewalld and dbus)"
        if NetfilterSuite.isRequested { throw SubprocessError(description: text) }
        throw XCTSkip(text)
    }

    /// Writes the private /etc/firewalld: the fixed settings, empty object directories and
    /// `files` (paths relative to /etc/firewalld, e.g. "zones/public.xml") — the admin's own
    /// configuration. Starts nothing.
    init(in namespace: Namespace, under work: URL, files: [String: String]) throws {
        self.namespace = namespace
        directory = work.appendingPathComponent("firewalld")
        let manager = FileManager.default
        for sub in ["zones", "services", "ipsets", "policies", "icmptypes", "helpers"] {
            try manager.createDirectory(at: etc.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try manager.createDirectory(at: run.appendingPathComponent("dbus"), withIntermediateDirectories: true)
        try Self.settings.write(to: etc.appendingPathComponent("firewalld.conf"), atomically: true, encoding: .utf8)
        try Self.busConfiguration.write(to: busConfig, atomically: true, encoding: .utf8)
        for (path, text) in files {
            try text.write(to: etc.appendingPathComponent(path), atomically: true, encoding: .utf8)
        }
    }

    /// Starts the bus, then firewalld, and waits until `firewall-cmd --state` says running.
    func start(timeout: TimeInterval = 60) throws {
        let bus = try background([Self.busDaemon, "--config-file=\(busConfig.path)", "--nofork", "--nopidfile", "--print-address=1"])
        self.bus = bus
        _ = try bus.waitForLine(startingWith: "unix:path=/run/dbus/system_bus_socket", timeout: 20)
        let firewalld = try background([Self.daemon, "--nofork", "--nopid", "--log-target", "console"])
        self.firewalld = firewalld
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let state = try self.run([Self.firewallCmd, "--state"], timeout: 30)
            if state.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "running" { return }
            guard Date() < deadline, firewalld.isRunning else {
                throw SubprocessError(description: "firewalld did not come up: \(state)\nfirewalld: \(firewalld.stdout)\(firewalld.stderr)")
            }
            usleep(200_000)
        }
    }

    /// Stops firewalld (which then removes its tables), then the bus; deletes any firewalld
    /// table a killed daemon left behind. Idempotent.
    func stop() {
        firewalld?.terminate()
        firewalld = nil
        bus?.terminate()
        bus = nil
        guard let listing = try? namespace.run([namespace.tools.nft, "list", "tables"], timeout: 20) else { return }
        for line in listing.stdout.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            if words.count == 3, words[0] == "table", words[2] == "firewalld" {
                _ = try? namespace.run([namespace.tools.nft, "delete", "table", words[1], words[2]], timeout: 20)
            }
        }
    }

    /// firewalld's console log so far (for failure messages).
    var log: String { (firewalld?.stdout ?? "") + (firewalld?.stderr ?? "") }

    /// `arguments` in the namespace with the private directories mounted over the host's.
    func run(_ arguments: [String], timeout: TimeInterval = 120) throws -> ProcessResult {
        try namespace.run(mounted(arguments), timeout: timeout)
    }

    func background(_ arguments: [String]) throws -> BackgroundProcess {
        try namespace.background(mounted(arguments))
    }

    private func mounted(_ arguments: [String]) -> [String] {
        let script = """
            mount --bind "$1/etc" /etc/firewalld || exit 97
            mount --bind "$1/run" /run || exit 97
            shift
            exec "$@"
            """
        return ["/bin/sh", "-c", script, "sh", directory.path] + arguments
    }

    /// `firewall-cmd <arguments>`, required to succeed; its stdout.
    @discardableResult
    func cmd(_ arguments: String...) throws -> String {
        try cmd(arguments)
    }

    @discardableResult
    func cmd(_ arguments: [String]) throws -> String {
        let result = try run([Self.firewallCmd] + arguments)
        guard result.succeeded else { throw SubprocessError(description: "firewall-cmd \(arguments.joined(separator: " ")): \(result)") }
        return result.stdout
    }

    /// Every file under the private /etc/firewalld (relative path -> contents) whose name
    /// passes `include`.
    func permanentFiles(where include: (String) -> Bool = { _ in true }) throws -> [String: String] {
        var files: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: etc.path) else { return files }
        for case let relative as String in walker where include(relative) {
            let path = etc.appendingPathComponent(relative).path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = try String(contentsOfFile: path, encoding: .utf8)
            }
        }
        return files
    }

    deinit { stop() }
}
