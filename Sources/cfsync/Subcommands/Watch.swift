import ArgumentParser
import CFSync

extension CFSyncCommand {
    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract: "Keep cfsync's objects in place between runs: re-install the last applied state when it is removed or altered (long-running; never fetches).")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            try Runner.run("watch", options) { $0.watch() }
        }
    }
}
