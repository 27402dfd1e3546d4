import ArgumentParser
import CFSync
import CFSyncCore
import Foundation

extension CFSyncCommand {
    struct Snapshots: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "snapshots", abstract: "List snapshots, newest first.")

        @OptionGroup var options: GlobalOptions

        /// `{"snapshots": [{"id", "created", "command", "backend"}]}` (spec/cli.md).
        private struct Entry: Encodable {
            var id: String
            var created: String
            var command: String
            var backend: String
        }

        func run() throws {
            let settings = try Runner.settings("snapshots", options)
            let listing: (snapshots: [Snapshot], warnings: [String])
            do {
                listing = try Syncer(settings: settings).listSnapshots()
            } catch {
                try Output.fail(CFSyncError.classify(error), command: "snapshots", format: settings.output)
            }
            for warning in listing.warnings { Output.error(warning) }
            let entries = listing.snapshots.map {
                Entry(id: $0.id, created: UTCTimestamp.format($0.created), command: $0.command, backend: $0.backend.rawValue)
            }
            switch settings.output {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(["snapshots": entries]), as: UTF8.self))
            case .text:
                if entries.isEmpty { print("no snapshots in \(settings.stateDir)") }
                for e in entries { print("\(e.id)  \(e.created)  \(e.command)  \(e.backend)") }
            }
        }
    }
}
