import Foundation

/// The outcome of one TCP connect (Tests/Fixtures/netfilter/probe.py).
enum ConnectResult: Equatable, CustomStringConvertible {
    /// The SYN was answered: the port is reachable from that source.
    case connected
    /// No answer within the time limit: the SYN was dropped.
    case timeout
    /// RST: nothing listens (or a reject rule).
    case refused
    case error(String)

    init(word: String) {
        switch word {
        case "connected": self = .connected
        case "timeout": self = .timeout
        case "refused": self = .refused
        default: self = .error(word)
        }
    }

    var description: String {
        switch self {
        case .connected: "connected"
        case .timeout: "timeout"
        case .refused: "refused"
        case .error(let text): "error(\(text))"
        }
    }
}

extension Namespace {
    /// One TCP connect from `source` (an address of this namespace) to `destination:port`.
    func connect(from source: String, to destination: String, port: Int, timeout: TimeInterval = 1) throws -> ConnectResult {
        let result = try run(
            [tools.python, NetfilterSuite.probeScript, "once", "--source", source, "--dest", destination,
             "--port", String(port), "--timeout", String(timeout)],
            timeout: timeout + 20)
        let word = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if word.isEmpty || result.timedOut { return .error(result.description) }
        return ConnectResult(word: word)
    }
}

/// Connects every `interval` seconds in the background and counts what failed.
final class ContinuousProber {
    struct Failure: Decodable, Equatable {
        var at: Double
        var result: String
    }

    struct Stats: Decodable, CustomStringConvertible {
        var attempts: Int
        var connected: Int
        var failed: Int
        var failures: [Failure]
        /// Start times of the first 500 attempts that connected, in seconds since the start.
        var connectedAt: [Double]

        enum CodingKeys: String, CodingKey {
            case attempts, connected, failed, failures
            case connectedAt = "connected_at"
        }

        var description: String {
            "\(attempts) attempts, \(connected) connected, \(failed) failed"
                + (failures.isEmpty ? "" : ": " + failures.map { "\($0.result)@\($0.at)s" }.joined(separator: ", "))
        }
    }

    private let process: BackgroundProcess

    /// Starts probing and returns once the first attempt has finished.
    init(in namespace: Namespace, from source: String, to destination: String, port: Int,
         interval: TimeInterval = 0.02, attemptTimeout: TimeInterval = 0.5) throws {
        process = try namespace.background(
            [namespace.tools.python, NetfilterSuite.probeScript, "continuous", "--source", source,
             "--dest", destination, "--port", String(port), "--interval", String(interval),
             "--timeout", String(attemptTimeout)])
        _ = try process.waitForLine(startingWith: "started", onStderr: true, timeout: 20)
    }

    /// Stops the prober and returns its counts.
    func stop() throws -> Stats {
        process.stop(timeout: 10)
        let text = process.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            return try JSONDecoder().decode(Stats.self, from: Data(text.utf8))
        } catch {
            throw SubprocessError(description: "prober output unreadable (\(error)): stdout \(text) stderr \(process.stderr)")
        }
    }
}
