import ArgumentParser
import CFSync
import CFSyncCore
import Foundation

extension CFSyncCommand {
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "doctor",
            abstract: "Check the environment: backend tools and kernel support, ufw, rules that make the allowlist moot, state dir, lists.")

        @OptionGroup var options: GlobalOptions

        /// `{"command": "doctor", "backend": …, "findings": [{"check", "status", "detail"}]}`
        private struct JSON: Encodable {
            var command = "doctor"
            var backend: String?
            var findings: [Finding]
            var error: String?
        }

        func run() throws {
            let settings = try Runner.settings("doctor", options)
            let diagnosis = Syncer(settings: settings).doctor()
            let errors = diagnosis.findings.filter { $0.status == .error }
            switch settings.output {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                let body = JSON(backend: diagnosis.backend, findings: diagnosis.findings,
                                error: errors.isEmpty ? nil : "\(errors.count) check(s) failed")
                print(String(decoding: try encoder.encode(body), as: UTF8.self))
            case .text:
                for f in diagnosis.findings {
                    print("\(f.status == .ok ? "ok  " : f.status == .warning ? "warn" : "FAIL")  \(f.check): \(f.detail)")
                }
            }
            if !errors.isEmpty { Output.error("doctor: \(errors.count) check(s) failed: " + errors.map(\.check).joined(separator: ", ")) }
            Foundation.exit(diagnosis.exit.rawValue)
        }
    }
}
