import ArgumentParser
import CFSync

extension CFSyncCommand {
    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Fetch, validate and apply the changes in one atomic step, then read back and verify.")

        @Flag(name: .customLong("dry-run"), help: "Only print the plan (same as cfsync plan).")
        var dryRun = false

        @OptionGroup var options: GlobalOptions

        func run() throws {
            if dryRun {
                try Runner.run("plan", options) { $0.plan() }
            } else {
                try Runner.run("apply", options) { $0.apply() }
            }
        }
    }
}
