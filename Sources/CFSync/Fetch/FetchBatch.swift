import Dispatch
import Foundation

/// Collects the outcomes of one `Fetcher.fetch` call from the threads that produce them,
/// and wakes the caller once when everything succeeded or the first request failed.
final class FetchBatch: @unchecked Sendable {
    enum Outcome {
        case done([FetchResult])
        case failed(FetchError)
        /// The deadline passed; the URL is the first request still outstanding.
        case timedOut(url: String)
    }

    private let lock = NSLock()
    private let wake = DispatchSemaphore(value: 0)
    private let urls: [String]
    private var results: [FetchResult?]
    private var remaining: Int
    private var failure: FetchError?
    private var woken = false
    /// Set once the caller has its answer; later reports are dropped.
    private var closed = false

    init(urls: [String]) {
        self.urls = urls
        self.results = Array(repeating: nil, count: urls.count)
        self.remaining = urls.count
    }

    /// Records request `index`'s outcome; later reports for the same index are ignored.
    func finish(_ index: Int, _ outcome: Result<FetchResult, FetchError>) {
        lock.lock()
        defer { lock.unlock() }
        guard !closed, results[index] == nil, failure == nil else { return }
        switch outcome {
        case .success(let result):
            results[index] = result
            remaining -= 1
            if remaining == 0 { wakeLocked() }
        case .failure(let error):
            failure = error
            wakeLocked()
        }
    }

    /// Blocks until all succeeded, one failed, or `deadline` passed. Call once, with at
    /// least one request.
    func wait(until deadline: DispatchTime) -> Outcome {
        _ = wake.wait(timeout: deadline)
        lock.lock()
        defer { lock.unlock() }
        closed = true
        if let failure { return .failed(failure) }
        if remaining == 0 { return .done(results.compactMap { $0 }) }
        let first = results.firstIndex(where: { $0 == nil }) ?? 0
        return .timedOut(url: urls[first])
    }

    private func wakeLocked() {
        guard !woken else { return }
        woken = true
        wake.signal()
    }
}
