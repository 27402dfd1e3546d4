import CFSync
import Foundation

/// Resolves the settings and runs one command; shared by every subcommand.
enum Runner {
    static func run(_ command: String, _ options: GlobalOptions, _ body: (Syncer) -> Syncer.Outcome) throws -> Never {
        let settings: Settings
        do {
            settings = try options.settings()
        } catch {
            // The output format itself may be what was wrong; fall back to what was asked.
            try Output.fail(CFSyncError.classify(error), command: command, format: options.output == "json" ? .json : .text)
        }
        try Output.finish(body(Syncer(settings: settings)), format: settings.output)
    }
}
