import ArgumentParser
import CFSync
import Foundation

/// The options every command accepts (spec/cli.md); the same keys work in the
/// config file, and the command line wins over it.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("TOML file with the same keys as the long options.", valueName: "path"))
    var config: String?

    @Option(help: ArgumentHelp("nftables, iptables, ufw, firewalld or auto (default: auto).", valueName: "name"))
    var backend: String?

    @Flag(help: "iptables backend: keep the prefixes in ipset sets.")
    var ipset = false

    @Flag(help: "Also protect traffic forwarded to published container ports (DOCKER-USER, nftables forward hook).")
    var forward = false

    @Option(help: ArgumentHelp("lockdown (default) or allow.", valueName: "mode"))
    var mode: String?

    @Option(help: ArgumentHelp("Protected tcp ports, comma-separated (default: 80,443).", valueName: "list"))
    var ports: String?

    @Option(name: .customLong("source-v4"), help: ArgumentHelp("Plain-text IPv4 list URL (http, https, file).", valueName: "url"))
    var sourceV4: String?

    @Option(name: .customLong("source-v6"), help: ArgumentHelp("Plain-text IPv6 list URL (http, https, file).", valueName: "url"))
    var sourceV6: String?

    @Option(name: .customLong("source-api"), help: ArgumentHelp("Cloudflare JSON API URL; replaces the two plain lists.", valueName: "url"))
    var sourceAPI: String?

    @Option(help: ArgumentHelp("Extra source to allow as well (repeatable).", valueName: "cidr"))
    var allow: [String] = []

    @Option(help: ArgumentHelp("ipv4, ipv6 or both (default: both).", valueName: "family"))
    var family: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("State directory (default: /var/lib/cfsync).", valueName: "dir"))
    var stateDir: String?

    @Option(name: .customLong("max-list-size"), help: ArgumentHelp("Largest list body accepted, e.g. 1M (default: 1048576).", valueName: "bytes"))
    var maxListSize: String?

    @Flag(help: "Use the last accepted lists from the state dir; no network.")
    var offline = false

    @Option(help: ArgumentHelp("text (default) or json.", valueName: "format"))
    var output: String?

    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 2 when changes were found or made.")
    var detailedExitcode = false

    @Option(name: .customLong("max-shrink-percent"), help: ArgumentHelp("Refuse a list more than N% smaller than the last accepted one (default: 30).", valueName: "n"))
    var maxShrinkPercent: String?

    @Flag(help: "Override the shrink guard and the SSH guard (never the syntax guards).")
    var force = false

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("Seconds to wait for another run's lock (default: 60).", valueName: "seconds"))
    var lockTimeout: String?

    @Option(help: ArgumentHelp("Total seconds for fetching the lists (default: 30).", valueName: "seconds"))
    var timeout: String?

    @Option(help: ArgumentHelp("Sleep a random 0..N seconds before fetching.", valueName: "seconds"))
    var jitter: String?

    @Option(help: ArgumentHelp("plan: also write the plan to this file.", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("apply: apply this saved plan (no fetch).", valueName: "file"))
    var plan: String?

    @Option(help: ArgumentHelp("apply: roll back unless confirmed within N seconds.", valueName: "seconds"))
    var confirm: String?

    @Option(name: .customLong("keep-snapshots"), help: ArgumentHelp("Snapshots to keep in the state dir (default: 20).", valueName: "n"))
    var keepSnapshots: String?

    @Option(name: .customLong("log-level"), help: ArgumentHelp("error, warning (default), info or debug; logs go to stderr.", valueName: "level"))
    var logLevel: String?

    @Option(name: .customLong("metrics-file"), help: ArgumentHelp("apply and watch: write Prometheus textfile-collector metrics here.", valueName: "path"))
    var metricsFile: String?

    @Option(name: .customLong("watch-interval"), help: ArgumentHelp("watch: seconds between checks of backends that report no changes (default: 5).", valueName: "seconds"))
    var watchInterval: String?

    /// The options given on the command line, as raw settings.
    var given: [SettingKey: SettingValue] {
        var v: [SettingKey: SettingValue] = [:]
        let strings: [(SettingKey, String?)] = [
            (.backend, backend), (.mode, mode), (.ports, ports), (.sourceV4, sourceV4), (.sourceV6, sourceV6),
            (.sourceAPI, sourceAPI), (.family, family), (.stateDir, stateDir), (.maxListSize, maxListSize),
            (.output, output), (.maxShrinkPercent, maxShrinkPercent), (.lockTimeout, lockTimeout),
            (.timeout, timeout), (.jitter, jitter), (.out, out), (.plan, plan), (.confirm, confirm), (.keepSnapshots, keepSnapshots),
            (.logLevel, logLevel), (.metricsFile, metricsFile), (.watchInterval, watchInterval),
        ]
        for case let (key, value?) in strings { v[key] = .string(value) }
        let flags: [(SettingKey, Bool)] = [
            (.ipset, ipset), (.forward, forward), (.offline, offline), (.detailedExitcode, detailedExitcode), (.force, force),
        ]
        for (key, on) in flags where on { v[key] = .bool(true) }
        if !allow.isEmpty { v[.allow] = .list(allow.map(SettingValue.string)) }
        return v
    }

    /// Defaults, then the config file, then the command line.
    func settings() throws -> Settings {
        var values: [SettingKey: SettingValue] = [:]
        var fromFile: Set<SettingKey> = []
        let path = config ?? (FileManager.default.fileExists(atPath: ConfigFile.defaultPath) ? ConfigFile.defaultPath : nil)
        if let path {
            values = try ConfigFile.load(path: path)
            fromFile = Set(values.keys)
        }
        let cli = given
        values.merge(cli) { _, new in new }
        return try Settings(resolving: values) { key in
            cli[key] == nil && fromFile.contains(key) ? "config \(path ?? "") key '\(key.rawValue)'" : "--\(key.rawValue)"
        }
    }
}
