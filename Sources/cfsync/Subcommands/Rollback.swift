import ArgumentParser
import CFSync

extension CFSyncCommand {
    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rollback",
            abstract: "Restore cfsync's own objects to a snapshot (default: the newest, i.e. the state before the last change).")

        @Argument(help: ArgumentHelp("Snapshot id, as cfsync snapshots lists it.", valueName: "id"))
        var id: String?

        @OptionGroup var options: GlobalOptions

        func run() throws {
            try Runner.run("rollback", options) { $0.rollback(to: id) }
        }
    }
}
