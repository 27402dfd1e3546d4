import CFSync
import Foundation

/// Resolves the settings and runs one command; shared by every subcommand.
enum Runner {
    static func run(_ command: String, _ options: GlobalOptions, _ body: (Syncer) -> Syncer.Outcome) throws -> Never {
        let settings = try settings(command, options)
        try Output.finish(body(Syncer(settings: settings)), format: settings.output)
    }

    /// The settings, or the usage error printed in the format that was asked for.
    static func settings(_ command: String, _ options: GlobalOptions) throws -> Settings {
        do {
            return try options.settings()
        } catch {
            // The output format itself may be what was wrong; fall back to what was asked.
            try Output.fail(CFSyncError.classify(error), command: command, format: options.output == "json" ? .json : .text)
        }
    }
}
