import CCurlLoader
import Dispatch
import Foundation

/// The http(s) requests of one `fetch` call, on libcurl's multi interface: every
/// request runs concurrently on one background thread, which stops at the shared
/// deadline, on `stop()`, or when all are done. libcurl is dlopen'ed here, on the first
/// http(s) fetch of the process, never at startup (see curl_loader.h).
final class HTTPSource: @unchecked Sendable {
    struct Job {
        var index: Int
        var request: FetchRequest
        var url: URL
    }

    private let batch: FetchBatch
    private let timeout: Double
    private let maxBytes: Int
    private let lock = NSLock()
    /// Set by `stop()`; the loop sees it within one poll interval. Guarded by `lock`.
    private var stopped = false
    /// Whether the loop thread was started; only `start` writes it, before `stop` runs.
    private var launched = false
    /// Signalled by the loop thread once every handle is freed.
    private let finished = DispatchSemaphore(value: 0)

    /// Longest a poll waits, so `stop()` and the deadline are noticed promptly.
    private static let pollMilliseconds: UInt64 = 50

    init(batch: FetchBatch, timeout: Double, maxBytes: Int) {
        self.batch = batch
        self.timeout = timeout
        self.maxBytes = maxBytes
    }

    /// Starts every job; outcomes go to the batch. Failing to load libcurl or to set up
    /// a request fails the batch with the first job's URL.
    func start(_ jobs: [Job]) {
        guard let first = jobs.first else { return }
        let firstScheme = first.url.scheme?.lowercased() ?? ""
        if let missing = CurlLibrary.ensureLoaded(for: firstScheme) {
            return batch.finish(first.index, .failure(FetchError(url: first.request.url, reason: .connection(missing))))
        }
        guard let multi = cfcurl_multi_init() else {
            return batch.finish(first.index, .failure(FetchError(url: first.request.url, reason: .connection("libcurl: cannot start"))))
        }
        var transfers: [CurlTransfer] = []
        for job in jobs {
            let scheme = job.url.scheme?.lowercased() ?? ""
            guard let transfer = CurlTransfer(index: job.index, request: job.request, scheme: scheme,
                                              timeout: timeout, maxBytes: maxBytes),
                  cfcurl_multi_add_handle(multi, transfer.handle) == CURLM_OK else {
                transfers.forEach { _ = cfcurl_multi_remove_handle(multi, $0.handle) }
                transfers.removeAll()
                cfcurl_multi_cleanup(multi)
                let reason = FetchError.Reason.connection("libcurl refused the request setup")
                return batch.finish(job.index, .failure(FetchError(url: job.request.url, reason: reason)))
            }
            transfers.append(transfer)
        }
        let deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(timeout * 1e9)
        let work = Work(multi: multi, transfers: transfers)
        launched = true
        DispatchQueue.global().async {
            self.run(work, deadline: deadline)
            self.finished.signal()
        }
    }

    /// Tells the loop to stop and waits until it has freed every handle (one poll interval,
    /// bounded). Why wait: a run that fails on one source exits right away, and exit() runs
    /// OpenSSL's cleanup; with a TLS transfer still alive on the loop thread that crashed
    /// the process now and then (SIGSEGV/SIGABRT in 5 of 40 runs with two https sources).
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        if launched { _ = finished.wait(timeout: .now() + .seconds(2)) }
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Handles handed to the loop thread, which then owns them alone.
    private struct Work: @unchecked Sendable {
        let multi: UnsafeMutableRawPointer
        let transfers: [CurlTransfer]
    }

    private func run(_ work: Work, deadline: UInt64) {
        let multi = work.multi
        var live = Dictionary(uniqueKeysWithValues: work.transfers.map { ($0.handle, $0) })
        defer {
            live.keys.forEach { _ = cfcurl_multi_remove_handle(multi, $0) }
            live.removeAll()  // each transfer's deinit frees its easy handle
            cfcurl_multi_cleanup(multi)
        }
        while !live.isEmpty, !isStopped {
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline { return }
            var running: Int32 = 0
            let code = cfcurl_multi_perform(multi, &running)
            if code != CURLM_OK, let transfer = live.values.min(by: { $0.index < $1.index }) {
                let reason = FetchError.Reason.connection("libcurl multi error \(code.rawValue)")
                return batch.finish(transfer.index, .failure(FetchError(url: transfer.request.url, reason: reason)))
            }
            var easy: UnsafeMutableRawPointer?
            var result = CURLE_OK
            while cfcurl_multi_next_done(multi, &easy, &result) != 0 {
                guard let done = easy, let transfer = live.removeValue(forKey: done) else { continue }
                _ = cfcurl_multi_remove_handle(multi, done)
                batch.finish(transfer.index, transfer.outcome(result, timeout: timeout))
            }
            if live.isEmpty { return }
            let left = (deadline - now) / 1_000_000
            _ = cfcurl_multi_poll(multi, Int32(max(1, min(left, Self.pollMilliseconds))))
        }
    }
}
