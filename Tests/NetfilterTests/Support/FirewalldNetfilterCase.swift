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
    func cfsyncFirewalld(_ command: String, _ extra: [String] = [], backend: String = "firewalld", json: Bool = true) throws -> CFSyncRun {
        let empty = work.appendingPathComponent("empty.toml")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        var args = [NetfilterSuite.cfsyncBinary.path, command, "--backend", backend, "--state-dir", stateDir.path,
                    "--source-v4", url("ips-v4"), "--source-v6", url("ips-v6"), "--config", empty.path]
        if json { args += ["--output", "json"] }
        return CFSyncRun(process: try firewalld.run(args + extra))
    }

    /// A run that must exit 0; returns it.
    @discardableResult
    func applied(_ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> CFSyncRun {
        let run = try cfsyncFirewalld("apply", extra)
        XCTAssertEqual(run.status, 0, "\(run)\nfirewalld: \(firewalld.log)", file: file, line: line)
        if run.status != 0 { throw SubprocessError(description: "apply failed") }
        return run
    }

    // MARK: reading firewalld back (through firewall-cmd, not cfsync)

    static func isOwn(_ name: String) -> Bool {
        (name.split(separator: "/").last ?? "").hasPrefix("cfsync")
    }

    /// Everything that is not cfsync's, runtime and permanent, as firewalld lists it, plus
    /// every permanent file that is not one of cfsync's objects: what must never change.
    func adminView() throws -> [String] {
        var view: [String] = []
        for scope in [[], ["--permanent"]] {
            view.append(Self.ordered(try firewalld.run([FirewalldSandbox.firewallCmd] + scope + ["--list-all-zones"]).stdout))
            let policies = Self.ordered(try firewalld.run([FirewalldSandbox.firewallCmd] + scope + ["--list-all-policies"]).stdout)
            view += policies.components(separatedBy: "\n\n").filter { !Self.isOwn($0) }
            for name in try ipsetNames(scope).filter({ !Self.isOwn($0) }) {
                view.append(try firewalld.run([FirewalldSandbox.firewallCmd] + scope + ["--info-ipset=\(name)"]).stdout)
            }
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

    private func ipsetNames(_ scope: [String]) throws -> [String] {
        let result = try firewalld.run([FirewalldSandbox.firewallCmd] + scope + ["--get-ipsets"])
        guard result.succeeded else { throw SubprocessError(description: "\(result)") }
        return result.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    /// cfsync's objects in one configuration (runtime or permanent) as firewall-cmd shows them.
    struct Objects: Equatable, CustomStringConvertible {
        /// ipset name -> "type …", "options …" and its sorted entries.
        var ipsets: [String: [String]] = [:]
        /// policy name -> its lines (without the "(active)" mark), sorted.
        var policies: [String: [String]] = [:]

        var isEmpty: Bool { ipsets.isEmpty && policies.isEmpty }

        /// The entries of the ipsets that the policy `cfsync`'s accept rules name for `family`
        /// ("ipv4" or "ipv6"): what the protected ports admit.
        func accepted(_ family: String) -> [String] {
            let names = Set((policies["cfsync"] ?? []).filter { $0.hasSuffix(" accept") && $0.contains("family=\"\(family)\"") }
                .compactMap { line -> String? in
                    guard let start = line.range(of: "ipset=\"") else { return nil }
                    return String(line[start.upperBound...].prefix { $0 != "\"" })
                })
            return names.sorted().flatMap { name in (ipsets[name] ?? []).filter { !$0.hasPrefix("type:") && !$0.hasPrefix("options:") } }.sorted()
        }

        var description: String {
            (ipsets.keys.sorted().map { "ipset \($0): \(ipsets[$0] ?? [])" }
                + policies.keys.sorted().map { "policy \($0): \(policies[$0] ?? [])" }).joined(separator: "\n")
        }
    }

    func ownObjects(permanent: Bool) throws -> Objects {
        let scope = permanent ? ["--permanent"] : []
        var objects = Objects()
        for name in try ipsetNames(scope).filter(Self.isOwn) {
            let info = try firewalld.run([FirewalldSandbox.firewallCmd] + scope + ["--info-ipset=\(name)"]).stdout
            var lines: [String] = []
            for line in info.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                if line.hasPrefix("entries:") {
                    lines += line.dropFirst("entries:".count).split(separator: " ").map(String.init)
                } else if line.hasPrefix("type:") || line.hasPrefix("options:") {
                    lines.append(line)
                }
            }
            objects.ipsets[name] = lines.sorted()
        }
        let policyNames = try firewalld.run([FirewalldSandbox.firewallCmd] + scope + ["--get-policies"]).stdout
        for name in policyNames.split(whereSeparator: \.isWhitespace).map(String.init).filter(Self.isOwn) {
            let info = try firewalld.run([FirewalldSandbox.firewallCmd] + scope + ["--info-policy=\(name)"]).stdout
            objects.policies[name] = info.split(separator: "\n").map { line in
                line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " (active)", with: "")
            }.filter { !$0.isEmpty }.sorted()
        }
        return objects
    }

    /// cfsync's objects in runtime and permanent configuration, asserted to be the same.
    func ownObjects(file: StaticString = #filePath, line: UInt = #line) throws -> Objects {
        let runtime = try ownObjects(permanent: false)
        XCTAssertEqual(runtime, try ownObjects(permanent: true), "runtime and permanent configuration differ", file: file, line: line)
        return runtime
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
