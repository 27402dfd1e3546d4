import ArgumentParser
import CFSync
import CFSyncCore
import Foundation

@main
struct CFSyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cfsync",
        abstract: "Keep the origin's firewall in step with Cloudflare's published IP ranges.",
        discussion: """
            Exit codes: 0 success; 2 changes (--detailed-exitcode) or drift (status); \
            1 error; 3 a guard refused the list or change; 4 lock held; 64 usage or configuration error.
            """,
        version: CFSyncCoreVersion.string,
        // Each subcommand names itself (commandName): ArgumentParser otherwise derives every
        // name from its type by reflection on each run, a quarter of a no-op plan's work.
        subcommands: [Plan.self, Apply.self, Status.self, Rollback.self, Snapshots.self, Remove.self, Confirm.self, Restore.self, Watch.self, Doctor.self, Version.self]
    )

    /// Usage errors exit 64 (spec/cli.md), not ArgumentParser's default 64-ish codes.
    static func main() {
        Signals.prepareProcess()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure || code.rawValue == 64 {
                let message = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "usage error"
                Output.error(message)
                Foundation.exit(CFSyncExit.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}
