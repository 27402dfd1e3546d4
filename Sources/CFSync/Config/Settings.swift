import CFSyncCore
import Logging

/// The validated settings of one run: defaults, then the config file, then the
/// command line. Every option has exactly one validation, wherever it came from.
public struct Settings: Equatable, Sendable {
    public enum BackendChoice: Equatable, Sendable {
        case auto
        case fixed(BackendKind)
    }

    public enum OutputFormat: String, Equatable, Sendable, CaseIterable {
        case text, json
    }

    public static let cloudflareV4 = "https://www.cloudflare.com/ips-v4"
    public static let cloudflareV6 = "https://www.cloudflare.com/ips-v6"

    public var backend: BackendChoice = .auto
    public var ipset = false
    /// Also protect traffic forwarded to published container ports.
    public var forward = false
    public var mode: Mode = .lockdown
    public var ports: [UInt16] = [80, 443]
    public var families: [Family] = [.ipv4, .ipv6]
    public var sourceV4 = Settings.cloudflareV4
    public var sourceV6 = Settings.cloudflareV6
    public var sourceAPI: String?
    public var allow: [AnyPrefix] = []
    public var stateDir = "/var/lib/cfsync"
    public var maxListSize = 1_048_576
    public var offline = false
    public var output: OutputFormat = .text
    public var detailedExitcode = false
    public var maxShrinkPercent = 30.0
    public var force = false
    public var lockTimeout = 60.0
    public var timeout = 30.0
    public var jitter = 0.0
    public var out: String?
    public var plan: String?
    public var confirm: Double?
    public var keepSnapshots = SnapshotStore.defaultKeep
    /// Quiet by default: cron mails only when something is wrong.
    public var logLevel: Logger.Level = .warning
    public var metricsFile: String?
    /// `watch`: seconds between checks of backends that announce no changes (and the safety
    /// net of those that do).
    public var watchInterval = 5.0

    public init() {}

    public var policy: Policy { Policy(mode: mode, ports: ports, families: families, forward: forward, ipset: ipset) }

    /// Applies `values` over the defaults; `origin` names where they came from in errors.
    public init(resolving values: [SettingKey: SettingValue], origin: (SettingKey) -> String) throws {
        self.init()
        for key in SettingKey.allCases {
            guard let value = values[key] else { continue }
            try apply(key, value, origin(key))
        }
    }

    private mutating func apply(_ key: SettingKey, _ value: SettingValue, _ origin: String) throws {
        let read = SettingReader(value: value, origin: origin)
        switch key {
        case .backend:
            let name = try read.string()
            if name == "auto" {
                backend = .auto
            } else if let kind = BackendKind(rawValue: name) {
                backend = .fixed(kind)
            } else {
                throw read.invalid("must be nftables, iptables, ufw, firewalld or auto")
            }
        case .ipset: ipset = try read.bool()
        case .forward: forward = try read.bool()
        case .mode: mode = try read.choice(Mode.self)
        case .ports: ports = try read.ports()
        case .family:
            switch try read.string() {
            case "ipv4": families = [.ipv4]
            case "ipv6": families = [.ipv6]
            case "both": families = [.ipv4, .ipv6]
            default: throw read.invalid("must be ipv4, ipv6 or both")
            }
        case .sourceV4: sourceV4 = try read.url()
        case .sourceV6: sourceV6 = try read.url()
        case .sourceAPI: sourceAPI = try read.url()
        case .allow: allow = try PolicyValidation.allow(try read.strings(), origin: origin)
        case .stateDir: stateDir = try read.path()
        case .maxListSize: maxListSize = try read.byteSize()
        case .offline: offline = try read.bool()
        case .output: output = try read.choice(OutputFormat.self)
        case .detailedExitcode: detailedExitcode = try read.bool()
        case .maxShrinkPercent: maxShrinkPercent = try read.number(in: 0...100)
        case .force: force = try read.bool()
        case .lockTimeout: lockTimeout = try read.number(in: 0...86_400)
        case .timeout: timeout = try read.number(in: 0.1...3_600)
        case .jitter: jitter = try read.number(in: 0...86_400)
        case .out: out = try read.path()
        case .plan: plan = try read.path()
        case .confirm: confirm = try read.number(in: 1...86_400)
        case .keepSnapshots: keepSnapshots = Int(try read.number(in: 1...10_000))
        case .logLevel:
            let levels: [String: Logger.Level] = ["error": .error, "warning": .warning, "info": .info, "debug": .debug]
            guard let level = levels[try read.string()] else { throw read.invalid("must be error, warning, info or debug") }
            logLevel = level
        case .metricsFile: metricsFile = try read.path()
        case .watchInterval: watchInterval = try read.number(in: 0.1...86_400)
        }
    }
}
