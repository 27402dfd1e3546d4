import Foundation
import XCTest

/// A `cfsync watch` running in the background of a test, with its log on stderr.
final class Watching {
    let process: BackgroundProcess

    /// Waits until the watch has read the applied state and subscribed: it says "watching
    /// <backend>" (info), or "watching for an apply" when nothing is applied.
    init(_ process: BackgroundProcess) throws {
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while !process.stderr.contains("watching") {
            guard Date() < deadline, process.isRunning else {
                throw SubprocessError(description: "cfsync watch did not start watching: \(process.stderr)")
            }
            usleep(10_000)
        }
    }

    /// The log lines that report a repair.
    var repairs: [Substring] { process.stderr.split(separator: "\n").filter { $0.hasPrefix("cfsync: info: repaired ") } }

    /// Waits up to `timeout` for the `count`-th repair line.
    func waitForRepairs(_ count: Int, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if repairs.count >= count { return true }
            usleep(10_000)
        }
        return false
    }

    /// SIGTERM, then the exit status.
    func terminate() -> Int32? {
        process.kill(signal: SIGTERM)
        return process.wait(timeout: 0)
    }
}

/// How long an unlisted source got through while cfsync's objects were gone.
struct Exposure {
    /// Seconds from the first to the last connect of the unlisted prober, plus one probe
    /// interval; 0 when it never connected.
    var seconds: Double
    var unlisted: ContinuousProber.Stats
    /// The listed source's prober: it must never fail.
    var listed: ContinuousProber.Stats

    var milliseconds: Int { Int((seconds * 1000).rounded()) }

    /// Seconds from the first to the last failed connect of the listed prober (its
    /// attempts time out after 0.5 s); 0 when none failed.
    var listedOutage: Double {
        let times = listed.failures.map(\.at)
        return times.isEmpty ? 0 : (times.max() ?? 0) - (times.min() ?? 0) + 0.5
    }
}

extension NetfilterTestCase {
    static let probeInterval = 0.02

    /// Runs `removal` while a prober from an unlisted source and one from a listed source
    /// connect to port 443 every 20 ms, waits until `restored` says cfsync's objects are back
    /// (at most `timeout`), then probes 0.3 s more.
    func measureExposure(timeout: TimeInterval, removal: () throws -> Void, restored: () throws -> Bool) throws -> Exposure {
        // An attempt that gets no answer within one interval was dropped: the next one starts.
        let unlisted = try ContinuousProber(in: client, from: Address.clientUnlistedV4, to: Address.originListedV4, port: 443,
                                            interval: Self.probeInterval, attemptTimeout: Self.probeInterval)
        let listed = try ContinuousProber(in: client, from: Address.clientListedV4, to: Address.originListedV4, port: 443,
                                          interval: Self.probeInterval)
        usleep(200_000)
        try removal()
        let deadline = Date().addingTimeInterval(timeout)
        while try !restored(), Date() < deadline { usleep(10_000) }
        usleep(300_000)
        let unlistedStats = try unlisted.stop(), listedStats = try listed.stop()
        let times = unlistedStats.connectedAt
        let seconds = times.isEmpty ? 0 : (times.max() ?? 0) - (times.min() ?? 0) + Self.probeInterval
        return Exposure(seconds: seconds, unlisted: unlistedStats, listed: listedStats)
    }
}
