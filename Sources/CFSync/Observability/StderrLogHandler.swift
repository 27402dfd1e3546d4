import Foundation
import Logging

/// One line per event on stderr: `cfsync: info: fetched …`. Under systemd
/// (`JOURNAL_STREAM` set) each line starts with its sd-daemon priority (`<6>`),
/// so journald files it at the right level.
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let journald: Bool

    public init(level: Logger.Level, environment: [String: String] = ProcessEnvironment.named(["JOURNAL_STREAM"])) {
        logLevel = level
        journald = environment["JOURNAL_STREAM"] != nil
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let prefix = journald ? "<\(Self.priority(event.level))>" : ""
        let line = "\(prefix)cfsync: \(event.level): \(event.message)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}

extension Logger {
    /// The logger of one run; `--log-level` decides what reaches stderr.
    public static func cfsync(level: Logger.Level) -> Logger {
        Logger(label: "cfsync") { _ in StderrLogHandler(level: level) }
    }
}
