/// Every option of spec/cli.md that the config file may set too. The config
/// file uses the same names as the long options (`state-dir`, or `state_dir`).
public enum SettingKey: String, CaseIterable, Sendable {
    case backend, ipset, forward, mode, ports, family, allow, offline, output, force, jitter, timeout, out, plan, confirm
    case sourceV4 = "source-v4"
    case sourceV6 = "source-v6"
    case sourceAPI = "source-api"
    case stateDir = "state-dir"
    case maxListSize = "max-list-size"
    case detailedExitcode = "detailed-exitcode"
    case maxShrinkPercent = "max-shrink-percent"
    case lockTimeout = "lock-timeout"
    case keepSnapshots = "keep-snapshots"
    case logLevel = "log-level"
    case metricsFile = "metrics-file"
    case watchInterval = "watch-interval"

    /// Accepts both the option spelling and its snake_case twin.
    public init?(configName: String) {
        self.init(rawValue: configName.replacingOccurrences(of: "_", with: "-"))
    }
}

/// A setting's raw value, from the command line or the config file, before validation.
public enum SettingValue: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case double(Double)
    case bool(Bool)
    case list([SettingValue])
}
