import ArgumentParser
import CFSync

extension CFSyncCommand {
    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "confirm",
            abstract: "Keep the change made by a running apply --confirm.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            try Runner.run("confirm", options) { $0.confirm() }
        }
    }
}
