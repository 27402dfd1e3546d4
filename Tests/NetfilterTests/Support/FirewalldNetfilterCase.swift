import Foundation
import XCTest

/// Base of the firewalld scenarios: a real firewalld in the origin namespace (see
/// `FirewalldSandbox`), started on the admin's own configuration below, which no cfsync
/// command may change.
class FirewalldNetfilterCase: NetfilterTestCase {
    var firewalld: FirewalldSandbox!

    /// The admin's configuration: the default zone with SSH, 8080, HTTP for a monitoring
    /// network and a blocklist; a zone for an office network; the blocklist itself.
    static let adminFiles: [String: String] = [
        "zones/public.xml": """
            <?xml version="1.0" encoding="utf-8"?>
            <zone>
              <short>Public</short>
              <description>The admin's default zone.</description>
              <service name="ssh"/>
              <service name="dhcpv6-client"/>
              <port protocol="tcp" port="8080"/>
              <rule family="ipv4">
                <source address="198.51.100.0/24"/>
                <service name="http"/>
                <accept/>
              </rule>
              <rule>
                <source ipset="admin-blocklist"/>
                <drop/>
              </rule>
            </zone>

            """,
        "zones/office.xml": """
            <?xml version="1.0" encoding="utf-8"?>
            <zone>
              <short>Office</short>
              <source address="203.0.113.0/24"/>
              <service name="ssh"/>
              <service name="https"/>
            </zone>

            """,
        "ipsets/admin-blocklist.xml": """
            <?xml version="1.0" encoding="utf-8"?>
            <ipset type="hash:ip">
              <short>Blocklist</short>
              <entry>198.51.100.7</entry>
            </ipset>

            """,
    ]

    override func setUpWithError() throws {
        try super.setUpWithError()
        try FirewalldSandbox.prerequisites()
        firewalld = try FirewalldSandbox(in: origin, under: work, files: Self.adminFiles)
        try firewalld.start()
    }

    override func tearDown() {
        firewalld?.stop()
        firewalld = nil
        super.tearDown()
    }

    // MARK: cfsync

    /// `cfsync <command> --backend firewalld …` next to the sandbox's firewalld.
    func cfsyncFirewalld(_ command: String, _ extra: [String] = []) throws -> CFSyncRun {
        CFSyncRun(process: try firewalld.run(try cfsyncArguments(command, extra, backend: "firewalld", json: true)))
    }

    /// `cfsync <command> --backend auto …` with ufw inactive whatever the host's ufw is: a
    /// copy of its ufw.conf saying `ENABLED=no` is mounted over it for this one run.
    func cfsyncAuto(_ command: String, _ extra: [String] = []) throws -> CFSyncRun {
        let arguments = try cfsyncArguments(command, extra, backend: "auto", json: true)
        let host = "/etc/ufw/ufw.conf"
        guard FileManager.default.fileExists(atPath: host) else { return CFSyncRun(process: try firewalld.run(arguments)) }
        let inactive = work.appendingPathComponent("ufw.conf")
        try "ENABLED=no\nLOGLEVEL=low\n".write(to: inactive, atomically: true, encoding: .utf8)
        let script = "mount --bind \"$1\" \(host) || exit 97\nshift\nexec \"$@\"\n"
        return CFSyncRun(process: try firewalld.run(["/bin/sh", "-c", script, "sh", inactive.path] + arguments))
    }

    /// A run that must exit 0; returns it.
    @discardableResult
    func applied(_ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> CFSyncRun {
        let run = try cfsyncFirewalld("apply", extra)
        XCTAssertEqual(run.status, 0, "\(run)\nfirewalld: \(firewalld.log)", file: file, line: line)
        if run.status != 0 { throw SubprocessError(description: "apply failed") }
        return run
    }

    // MARK: reading firewalld back (firewall-cmd, D-Bus and its files; not cfsync)

    /// Everything that is not cfsync's, runtime and permanent: the zones as
    /// `firewall-cmd --list-all-zones` lists them, the other ipsets and policies, and every
    /// permanent file that is not one of cfsync's objects. What no cfsync command may change.
    func adminView() throws -> [String] {
        var view: [String] = []
        for scope in [[], ["--permanent"]] {
            view.append(Self.ordered(try firewalld.cmd(scope + ["--list-all-zones"])))
        }
        for (scope, objects) in try allObjects() {
            view.append("\(scope):\n\(objects.filter { !Self.isOwn($0) })")
        }
        let files = try firewalld.permanentFiles { !Self.isOwn($0) }
        return view + files.keys.sorted().map { "\($0):\n\(files[$0] ?? "")" }
    }

    /// A `--list-all-*` listing with each run of rich rules sorted: firewall-cmd prints them
    /// in an order that changes from one daemon start to the next.
    static func ordered(_ listing: String) -> String {
        var lines: [Substring] = [], rules: [Substring] = []
        for line in listing.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("\t") {
                rules.append(line)
            } else {
                lines += rules.sorted() + [line]
                rules.removeAll()
            }
        }
        return (lines + rules.sorted()).joined(separator: "\n")
    }

    /// Every ipset and policy in one configuration, each as its sorted lines (see
    /// Fixtures/netfilter/firewalld_objects.py).
    struct Objects: Equatable, CustomStringConvertible {
        var ipsets: [String: [String]] = [:]
        var policies: [String: [String]] = [:]

        var isEmpty: Bool { ipsets.isEmpty && policies.isEmpty }

        func filter(_ include: (String) -> Bool) -> Objects {
            Objects(ipsets: ipsets.filter { include($0.key) }, policies: policies.filter { include($0.key) })
        }

        /// The entries of the ipsets that the policy `cfsync`'s accept rules name for `family`
        /// ("ipv4" or "ipv6"): the sources the protected ports admit.
        func accepted(_ family: String) -> [String] {
            let names = Set((policies["cfsync"] ?? []).filter { $0.hasSuffix(" accept") && $0.contains("family=\"\(family)\"") }
                .compactMap { line -> String? in
                    guard let start = line.range(of: "ipset=\"") else { return nil }
                    return String(line[start.upperBound...].prefix { $0 != "\"" })
                })
            return names.sorted().flatMap { (ipsets[$0] ?? []).filter { !$0.hasPrefix("type: ") && !$0.hasPrefix("options: ") } }.sorted()
        }

        var description: String {
            (ipsets.keys.sorted().map { "ipset \($0): \(ipsets[$0] ?? [])" }
                + policies.keys.sorted().map { "policy \($0): \(policies[$0] ?? [])" }).joined(separator: "\n")
        }
    }

    /// "runtime" and "permanent" -> every ipset and policy there, read over D-Bus in one process.
    func allObjects() throws -> [(String, Objects)] {
        let script = NetfilterSuite.fixtures.appendingPathComponent("netfilter/firewalld_objects.py").path
        let result = try firewalld.run(["/usr/bin/python3", script])
        guard result.succeeded,
              let root = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String: [String: [String]]]]
        else { throw SubprocessError(description: "firewalld_objects.py: \(result)") }
        return ["runtime", "permanent"].map { scope in
            (scope, Objects(ipsets: root[scope]?["ipsets"] ?? [:], policies: root[scope]?["policies"] ?? [:]))
        }
    }

    /// cfsync's by name: an object, or a file under /etc/firewalld.
    static func isOwn(_ name: String) -> Bool {
        (name.split(separator: "/").last ?? "").hasPrefix("cfsync")
    }

    /// cfsync's objects in the runtime and the permanent configuration.
    func ownObjects() throws -> (runtime: Objects, permanent: Objects) {
        let all = try allObjects()
        return (all[0].1.filter(Self.isOwn), all[1].1.filter(Self.isOwn))
    }

    /// cfsync's objects, asserted to be the same in runtime and permanent configuration.
    func ownObjectsInStep(file: StaticString = #filePath, line: UInt = #line) throws -> Objects {
        let own = try ownObjects()
        XCTAssertEqual(own.runtime, own.permanent, "runtime and permanent configuration differ", file: file, line: line)
        return own.runtime
    }

    // MARK: traffic

    /// Not connected, however refused: firewalld's zones reject (ICMP), cfsync drops.
    func assertNotConnects(from source: String, to destination: String, port: Int, _ context: String = "",
                           file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try connect(from: source, to: destination, port: port)
        XCTAssertNotEqual(result, .connected, "\(source) -> [\(destination)]:\(port) \(context)", file: file, line: line)
    }

    /// Listed sources reach 80 and 443, unlisted ones are dropped there, and everyone reaches 22.
    func assertProtected(_ context: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for (listed, unlisted, listedDest, unlistedDest) in [
            (Address.clientListedV4, Address.clientUnlistedV4, Address.originListedV4, Address.originUnlistedV4),
            (Address.clientListedV6, Address.clientUnlistedV6, Address.originListedV6, Address.originUnlistedV6),
        ] {
            for port in [80, 443] {
                try assertConnects(from: listed, to: listedDest, port: port, context, file: file, line: line)
                try assertDropped(from: unlisted, to: unlistedDest, port: port, context, file: file, line: line)
            }
            try assertConnects(from: unlisted, to: unlistedDest, port: 22, context, file: file, line: line)
        }
    }
}
