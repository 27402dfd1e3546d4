import ArgumentParser
import CFSync

extension CFSyncCommand {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Compare the firewall with the last accepted lists and the configuration (no fetch); exit 2 on drift.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            try Runner.run("status", options) { $0.withLastRepair($0.status()) }
        }
    }
}
