import Foundation

/// What `doctor` asks systemd, behind a protocol so tests can script the answers.
protocol SystemdProbe {
    /// systemd is PID 1 on this host (sd_booted(3): /run/systemd/system exists).
    var isRunning: Bool { get }
    /// The named properties of a unit, as `systemctl show` prints them; a unit
    /// systemd has no file for has LoadState "not-found".
    func properties(of unit: String, _ names: [String]) throws -> [String: String]
}

/// The real systemd, through `systemctl show`.
struct SystemctlProbe: SystemdProbe {
    let runner: CommandRunner
    /// Looked up once, when the probe is made: a question asked of the host is a step of
    /// the run, not a property read.
    let isRunning: Bool

    /// `bootedMarker` is sd_booted(3)'s directory; tests point it elsewhere.
    init(runner: CommandRunner, bootedMarker: String = "/run/systemd/system") {
        self.runner = runner
        var isDirectory: ObjCBool = false
        isRunning = FileManager.default.fileExists(atPath: bootedMarker, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    func properties(of unit: String, _ names: [String]) throws -> [String: String] {
        let text = try runner.check(["systemctl", "show", "--property=" + names.joined(separator: ","), unit])
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }
}
