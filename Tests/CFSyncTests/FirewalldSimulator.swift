import CFSyncCore
import XCTest

@testable import CFSync

/// A scripted `firewall-cmd` that keeps firewalld's runtime and permanent configuration and
/// answers as firewall-cmd 1.3.3 does (checked against the output captured in
/// Tests/Fixtures/firewalld from a namespaced firewalld): ipsets and policies are created in
/// the permanent configuration only, a reload copies it to the runtime, ipsets refuse
/// overlapping entries (INVALID_ENTRY, nothing added), rich rules must name an existing ipset.
/// `afterRuntimeChange` runs after every change of the runtime: what packets would see.
final class FirewalldSimulator: CommandRunner {
    struct Ipset: Equatable {
        var type: String
        var family: String
        var entries: [String] = []
    }

    struct PolicyConfig: Equatable {
        var priority = "-1"
        var target = "CONTINUE"
        var ingress: [String] = []
        var egress: [String] = []
        var richRules: [String] = []
    }

    struct Config: Equatable {
        var ipsets: [String: Ipset] = [:]
        var policies: [String: PolicyConfig] = [:]
        /// Zones as `--list-all-zones` prints them, block per zone.
        var zones: [String: String] = ["public": "  target: default\n  icmp-block-inversion: no\n  interfaces: \n  sources: \n  services: dhcpv6-client ssh\n  ports: \n  protocols: \n  forward: yes\n  masquerade: no\n  forward-ports: \n  source-ports: \n  icmp-blocks: \n  rich rules: \n"]
    }

    var running = true
    var runtime = Config()
    var permanent = Config()
    var services: [String: String] = ["ssh": "22/tcp", "http": "80/tcp", "https": "443/tcp", "dhcpv6-client": "546/udp"]
    /// Every command run, in order.
    var commands: [[String]] = []
    var reloads = 0
    var afterRuntimeChange: ((FirewalldSimulator) -> Void)?

    func run(_ argv: [String], stdin: String?) throws -> CommandResult {
        commands.append(argv)
        guard argv.first == "firewall-cmd" else { return CommandResult(status: 127, stderr: "\(argv[0]): not found") }
        var args = Array(argv.dropFirst())
        guard running || args == ["--state"] else { return CommandResult(status: 252, stderr: "FirewallD is not running\n") }
        let isPermanent = args.first == "--permanent"
        if isPermanent { args.removeFirst() }
        let before = runtime
        let result = answer(args, permanent: isPermanent, stdin: stdin)
        if runtime != before { afterRuntimeChange?(self) }
        return result
    }

    static func error(_ code: Int32, _ text: String) -> CommandResult { CommandResult(status: code, stderr: "Error: \(text)\n") }
    static let success = CommandResult(status: 0, stdout: "success\n")

    private func answer(_ args: [String], permanent isPermanent: Bool, stdin: String?) -> CommandResult {
        let config = isPermanent ? permanent : runtime
        func value(_ option: String) -> String? {
            args.first { $0.hasPrefix(option + "=") }.map { String($0.dropFirst(option.count + 1)) }
        }
        func edit(_ body: (inout Config) -> CommandResult) -> CommandResult {
            var copy = config
            let result = body(&copy)
            if result.status == 0 {
                if isPermanent { permanent = copy } else { runtime = copy }
            }
            return result
        }
        switch args.first ?? "" {
        case "--state":
            return running ? CommandResult(status: 0, stdout: "running\n") : CommandResult(status: 252, stdout: "not running\n")
        case "--reload":
            runtime.ipsets = permanent.ipsets
            runtime.policies = permanent.policies
            runtime.zones = permanent.zones
            reloads += 1
            return Self.success
        case "--get-ipsets":
            return CommandResult(status: 0, stdout: config.ipsets.keys.sorted().joined(separator: " ") + "\n")
        case "--list-all-zones":
            return CommandResult(status: 0, stdout: config.zones.keys.sorted().map { "\($0)\n" + config.zones[$0]! }.joined(separator: "\n"))
        case "--list-all-policies":
            return CommandResult(status: 0, stdout: config.policies.keys.sorted().map { render(policy: $0, config.policies[$0]!) }.joined(separator: "\n"))
        case let arg where arg.hasPrefix("--info-service="):
            guard let ports = services[value("--info-service")!] else { return Self.error(101, "INVALID_SERVICE: \(value("--info-service")!)") }
            return CommandResult(status: 0, stdout: "\(value("--info-service")!)\n  ports: \(ports)\n  protocols: \n")
        case let arg where arg.hasPrefix("--info-ipset="):
            let name = value("--info-ipset")!
            guard let set = config.ipsets[name] else { return Self.error(135, "INVALID_IPSET: \(name)") }
            return CommandResult(status: 0, stdout: "\(name)\n  type: \(set.type)\n  options: family=\(set.family)\n  entries: \(set.entries.joined(separator: " "))\n")
        case let arg where arg.hasPrefix("--info-policy="):
            let name = value("--info-policy")!
            guard let policy = config.policies[name] else { return Self.error(140, "INVALID_POLICY: \(name)") }
            return CommandResult(status: 0, stdout: render(policy: name, policy))
        case let arg where arg.hasPrefix("--new-ipset="):
            guard isPermanent else { return CommandResult(status: 2, stderr: "Option can be used only with --permanent.\n") }
            let name = value("--new-ipset")!
            return edit { c in
                guard c.ipsets[name] == nil else { return Self.error(26, "NAME_CONFLICT: new_ipset(): '\(name)'") }
                c.ipsets[name] = Ipset(type: value("--type") ?? "", family: value("--option")?.replacingOccurrences(of: "family=", with: "") ?? "inet")
                return Self.success
            }
        case let arg where arg.hasPrefix("--new-policy="):
            guard isPermanent else { return CommandResult(status: 2, stderr: "Option can be used only with --permanent.\n") }
            let name = value("--new-policy")!
            return edit { c in
                guard c.policies[name] == nil else { return Self.error(26, "NAME_CONFLICT: new_policy(): '\(name)'") }
                c.policies[name] = PolicyConfig()
                return Self.success
            }
        case let arg where arg.hasPrefix("--delete-policy=") || arg.hasPrefix("--delete-ipset="):
            guard isPermanent else { return CommandResult(status: 2, stderr: "Option can be used only with --permanent.\n") }
            let isPolicy = arg.hasPrefix("--delete-policy=")
            let name = String(arg.split(separator: "=", maxSplits: 1)[1])
            return edit { c in
                if isPolicy {
                    guard c.policies.removeValue(forKey: name) != nil else { return Self.error(140, "INVALID_POLICY: \(name)") }
                } else {
                    guard c.ipsets.removeValue(forKey: name) != nil else { return Self.error(135, "INVALID_IPSET: \(name)") }
                }
                return Self.success
            }
        case let arg where arg.hasPrefix("--ipset="):
            let name = value("--ipset")!
            let entries = (stdin ?? "").split(separator: "\n").map(String.init)
            return edit { c in
                guard var set = c.ipsets[name] else { return Self.error(135, "INVALID_IPSET: \(name)") }
                if args.contains("--add-entries-from-file=/dev/stdin") {
                    for (i, entry) in entries.enumerated() {
                        if let other = set.entries.first(where: { Self.overlap($0, entry) }) {
                            return Self.error(136, "INVALID_ENTRY: Entry '\(entry)' overlaps with existing entry '\(other)'")
                        }
                        if let other = entries[..<i].first(where: { Self.overlap($0, entry) }) {
                            return Self.error(136, "INVALID_ENTRY: Entry '\(other)' overlaps entry '\(entry)'")
                        }
                    }
                    set.entries += entries
                } else if args.contains("--remove-entries-from-file=/dev/stdin") {
                    set.entries.removeAll { entries.contains($0) }
                } else {
                    return CommandResult(status: 2, stderr: "usage: see firewall-cmd(1)\n")
                }
                c.ipsets[name] = set
                return Self.success
            }
        case let arg where arg.hasPrefix("--policy="):
            let name = value("--policy")!
            return edit { c in
                guard var p = c.policies[name] else { return Self.error(140, "INVALID_POLICY: \(name)") }
                var warnings = ""
                for option in args.dropFirst() {
                    let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
                    let v = parts.count > 1 ? parts[1] : ""
                    switch parts[0] {
                    case "--set-priority": p.priority = v
                    case "--set-target": p.target = v
                    case "--add-ingress-zone": p.ingress.append(v)
                    case "--remove-ingress-zone": p.ingress.removeAll { $0 == v }
                    case "--add-egress-zone": p.egress.append(v)
                    case "--remove-egress-zone": p.egress.removeAll { $0 == v }
                    case "--add-rich-rule":
                        if let rule = FirewalldRichRule(parsing: v), c.ipsets[rule.ipset] == nil {
                            return Self.error(135, "INVALID_IPSET: \(rule.ipset)")
                        }
                        if p.richRules.contains(v) { warnings += "Warning: ALREADY_ENABLED: \(v)\n" } else { p.richRules.append(v) }
                    case "--remove-rich-rule":
                        if p.richRules.contains(v) { p.richRules.removeAll { $0 == v } } else { warnings += "Warning: NOT_ENABLED: \(v)\n" }
                    default: return CommandResult(status: 2, stderr: "usage: unknown option \(option)\n")
                    }
                }
                c.policies[name] = p
                return CommandResult(status: 0, stdout: "success\n", stderr: warnings)
            }
        default:
            return CommandResult(status: 2, stderr: "usage: see firewall-cmd(1)\n")
        }
    }

    func render(policy name: String, _ p: PolicyConfig) -> String {
        let active = !p.ingress.isEmpty && !p.egress.isEmpty ? " (active)" : ""
        return "\(name)\(active)\n  priority: \(p.priority)\n  target: \(p.target)\n  ingress-zones: \(p.ingress.joined(separator: " "))\n"
            + "  egress-zones: \(p.egress.joined(separator: " "))\n  services: \n  ports: \n  protocols: \n  masquerade: no\n"
            + "  forward-ports: \n  source-ports: \n  icmp-blocks: \n  rich rules: \n" + p.richRules.map { "\t\($0)\n" }.joined()
    }

    static func overlap(_ a: String, _ b: String) -> Bool {
        if let x = try? IPv4Prefix(parsing: a), let y = try? IPv4Prefix(parsing: b) { return x.overlaps(y) }
        if let x = try? IPv6Prefix(parsing: a), let y = try? IPv6Prefix(parsing: b) { return x.overlaps(y) }
        return a == b
    }

    static func covers(_ entry: String, _ source: String) -> Bool {
        if let x = try? IPv4Prefix(parsing: entry), let y = try? IPv4Prefix(parsing: source) { return x.contains(y) }
        if let x = try? IPv6Prefix(parsing: entry), let y = try? IPv6Prefix(parsing: source) { return x.contains(y) }
        return false
    }

    enum Verdict { case accept, drop }

    /// What the runtime policy `cfsync` does to a tcp connection from `source` (a prefix) to
    /// `port`, as firewalld orders it: the deny rules first, then the accepts; nil when the
    /// policy does not decide (the zones do).
    func verdict(source: String, port: UInt16) -> Verdict? {
        let rules = (runtime.policies[FirewalldNames.policy]?.richRules ?? []).compactMap(FirewalldRichRule.init(parsing:))
        let family: Family = source.contains(":") ? .ipv6 : .ipv4
        func inSet(_ rule: FirewalldRichRule) -> Bool {
            (runtime.ipsets[rule.ipset]?.entries ?? []).contains { Self.covers($0, source) }
        }
        let matching = rules.filter { $0.family == family && $0.port == port }
        if matching.contains(where: { $0.action == .drop && !inSet($0) }) { return .drop }
        if matching.contains(where: { $0.action == .accept && inSet($0) }) { return .accept }
        return nil
    }
}
