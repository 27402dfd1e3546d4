import ArgumentParser
import CFSync

extension CFSyncCommand {
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Fetch and validate the lists, then print the changes apply would make. Never changes the firewall.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            try Runner.run("plan", options) { $0.plan() }
        }
    }
}
