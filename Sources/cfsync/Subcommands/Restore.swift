import ArgumentParser
import CFSync

extension CFSyncCommand {
    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Re-install the last applied state (lists and policy) without the network; what runs at boot.",
            discussion: "Policy options and the config's policy keys are ignored: the last apply, rollback or remove decides.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            try Runner.run("restore", options) { $0.restore() }
        }
    }
}
