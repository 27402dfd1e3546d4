import ArgumentParser
import CFSyncCore

extension CFSyncCommand {
    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

        @OptionGroup var options: GlobalOptions

        func run() {
            print(CFSyncCoreVersion.string)
        }
    }
}
