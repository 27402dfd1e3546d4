import ArgumentParser
import CFSync

extension CFSyncCommand {
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Delete every firewall object cfsync created (after a snapshot); nothing else.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            try Runner.run("remove", options) { $0.remove() }
        }
    }
}
