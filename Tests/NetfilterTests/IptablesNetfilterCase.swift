import Foundation
import XCTest

/// Base of the iptables scenarios: runs cfsync with `--backend iptables` and a chosen
/// variant (nft or legacy, through CFSYNC_IPTABLES_VARIANT), and reads the kernel back
/// with that variant's own `iptables-save`, a different tool from cfsync's restore.
class IptablesNetfilterCase: NetfilterTestCase {
    /// A tool of the variant under test, e.g. `iptables-legacy` or `ip6tables-nft-save`.
    func tool(_ name: String, _ variant: String) throws -> String {
        let parts = name.split(separator: "-", maxSplits: 1)
        let full = parts.count == 2 ? "\(parts[0])-\(variant)-\(parts[1])" : "\(name)-\(variant)"
        guard let path = Subprocess.which(full) else { throw SubprocessError(description: "\(full) is not installed") }
        return path
    }

    /// `iptables`/`ip6tables` of `variant` in the origin namespace, required to succeed.
    func ipt(_ variant: String, v6: Bool = false, _ arguments: String...) throws {
        try origin.check([try tool(v6 ? "ip6tables" : "iptables", variant)] + arguments)
    }

    /// The filter table as `<variant>-save` prints it, without its timestamp comments
    /// and with the chain counters (legacy counts policy hits) zeroed.
    func save(_ variant: String, v6: Bool = false) throws -> String {
        let text = try origin.check([try tool(v6 ? "ip6tables-save" : "iptables-save", variant), "-t", "filter"]).stdout
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            guard line.hasPrefix(":"), let open = line.lastIndex(of: "[") else { return line + "\n" }
            return line[..<open] + "[0:0]\n"
        }.joined()
    }

    /// The host's rules, with every line naming a cfsync chain taken out.
    func withoutOwn(_ text: String) -> String {
        text.split(separator: "\n").filter { !$0.contains("CFSYNC") }.map { $0 + "\n" }.joined()
    }

    /// cfsync's sets as name -> sorted members (ipset's own hash seeds left out).
    func ownSets() throws -> [String: [String]] {
        var sets: [String: [String]] = [:]
        for line in try origin.check(["ipset", "save"]).stdout.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard words.count >= 3, words[1].hasPrefix("cfsync") else { continue }
            if words[0] == "create" { sets[words[1], default: []] += [] }
            if words[0] == "add" { sets[words[1], default: []].append(words[2]) }
        }
        return sets.mapValues { $0.sorted() }
    }

    /// A host that already has rules: SSH accepted, a user chain with a rule, a jump to it.
    func installHostRules(_ variant: String) throws {
        for v6 in [false, true] {
            try ipt(variant, v6: v6, "-N", "MINE")
            try ipt(variant, v6: v6, "-A", "MINE", "-p", "udp", "--dport", "53", "-j", "ACCEPT")
            try ipt(variant, v6: v6, "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT")
            try ipt(variant, v6: v6, "-A", "INPUT", "-j", "MINE")
        }
    }

    /// `cfsync <command> --backend iptables …` in the origin namespace with `variant`.
    func cfsyncIptables(_ variant: String, _ command: String, _ extra: [String] = [], json: Bool = true) throws -> CFSyncRun {
        let binary = NetfilterSuite.cfsyncBinary.path
        var args = ["/usr/bin/env", "CFSYNC_IPTABLES_VARIANT=\(variant)", binary, command, "--backend", "iptables",
                    "--state-dir", stateDir.path, "--source-v4", url("ips-v4"), "--source-v6", url("ips-v6")]
        if FileManager.default.fileExists(atPath: "/etc/cfsync/config.toml") {
            let empty = work.appendingPathComponent("empty.toml")
            _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
            args += ["--config", empty.path]
        }
        if json { args += ["--output", "json"] }
        return CFSyncRun(process: try origin.run(args + extra, timeout: 120))
    }
}
