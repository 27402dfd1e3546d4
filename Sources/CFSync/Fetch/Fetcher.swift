import Dispatch
import Foundation

/// Fetches the list sources of one run: http(s) through libcurl (dlopen'ed on first use),
/// file:// directly.
/// All requests run at once and share one total deadline, so `--timeout` bounds the
/// fetch phase however many sources there are.
public struct Fetcher: Sendable {
    public let timeout: Double
    public let maxBytes: Int

    /// `timeout`: seconds for the whole `fetch` call. `maxBytes`: largest body accepted.
    public init(timeout: Double, maxBytes: Int) {
        self.timeout = timeout
        self.maxBytes = maxBytes
    }

    /// Fetches all requests concurrently; the whole call finishes within `timeout` seconds
    /// or throws `.timedOut`. Results are in request order. The first request to fail
    /// (in time) wins and the others are abandoned; an unsupported or unparsable URL
    /// fails before anything is sent.
    public func fetch(_ requests: [FetchRequest]) throws(FetchError) -> [FetchResult] {
        guard !requests.isEmpty else { return [] }
        let seconds = timeout.isFinite ? min(max(timeout, 0), 86_400 * 365) : 86_400 * 365
        let deadline = DispatchTime.now() + seconds

        var httpJobs: [HTTPSource.Job] = []
        var fileJobs: [(index: Int, url: URL)] = []
        for (index, request) in requests.enumerated() {
            guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased() else {
                throw FetchError(url: request.url, reason: .unsupportedScheme(""))
            }
            switch scheme {
            case "http", "https": httpJobs.append(HTTPSource.Job(index: index, request: request, url: url))
            case "file": fileJobs.append((index, url))
            default: throw FetchError(url: request.url, reason: .unsupportedScheme(scheme))
            }
        }

        let batch = FetchBatch(urls: requests.map(\.url))
        let limit = maxBytes
        for job in fileJobs {
            let url = requests[job.index].url
            let parsed = job.url
            // Off this thread so a FIFO or a hung NFS mount cannot outlast the deadline.
            DispatchQueue.global().async {
                batch.finish(job.index, FileSource.read(url: url, parsed: parsed, maxBytes: limit))
            }
        }
        let http = httpJobs.isEmpty ? nil : HTTPSource(batch: batch, timeout: seconds, maxBytes: limit)
        http?.start(httpJobs)

        let outcome = batch.wait(until: deadline)
        http?.stop()
        switch outcome {
        case .done(let results): return results
        case .failed(let error): throw error
        case .timedOut(let url): throw FetchError(url: url, reason: .timedOut(seconds: timeout))
        }
    }
}
