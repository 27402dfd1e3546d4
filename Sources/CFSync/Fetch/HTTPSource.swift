import CFSyncCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The http(s) requests of one `fetch` call, on one URLSession (FoundationNetworking,
/// libcurl underneath). Bodies are streamed through the delegate so the size limit
/// stops a download as soon as it is exceeded; a Content-Length over the limit stops it
/// before the body. The session's resource timeout is the total deadline (a request's
/// own `timeoutInterval` does not stop a stalled server on Linux); `Fetcher` enforces
/// the deadline too.
final class HTTPSource: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct Job {
        var index: Int
        var request: FetchRequest
        var url: URL
    }

    private struct Pending {
        var job: Job
        var task: URLSessionDataTask
        var status = 0
        var etag: String?
        var body: [UInt8] = []
        var failed = false
    }

    private let batch: FetchBatch
    private let timeout: Double
    private let maxBytes: Int
    private let lock = NSLock()
    /// By task identifier. Guarded by `lock`.
    private var pending: [Int: Pending] = [:]
    private var session: URLSession?

    init(batch: FetchBatch, timeout: Double, maxBytes: Int) {
        self.batch = batch
        self.timeout = timeout
        self.maxBytes = maxBytes
        super.init()
    }

    /// Starts every job; outcomes go to the batch.
    func start(_ jobs: [Job]) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.httpAdditionalHeaders = ["User-Agent": "cfsync/\(CFSyncCoreVersion.string)"]
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)

        lock.lock()
        self.session = session
        var tasks: [URLSessionDataTask] = []
        for job in jobs {
            var request = URLRequest(url: job.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
            request.httpMethod = "GET"
            if let tag = job.request.ifNoneMatch {
                request.setValue(tag, forHTTPHeaderField: "If-None-Match")
            }
            let task = session.dataTask(with: request)
            pending[task.taskIdentifier] = Pending(job: job, task: task)
            tasks.append(task)
        }
        lock.unlock()
        tasks.forEach { $0.resume() }
    }

    /// Ends the session so nothing downloads on after `fetch` returned: cancels the
    /// unfinished tasks (never from the delegate queue), then invalidates once they are
    /// done. Runs in the background because with FoundationNetworking (Swift 6.3.1)
    /// cancelling a task whose body still streams in fast took up to seconds, which must
    /// not count against `--timeout`; `invalidateAndCancel()` was no faster.
    func stop() {
        lock.lock()
        let session = self.session
        self.session = nil
        let live = pending.values.map(\.task)
        lock.unlock()
        guard let session else { return }
        if live.isEmpty { return session.finishTasksAndInvalidate() }
        let cleanup = Cleanup(session: session, tasks: live)
        DispatchQueue.global().async {
            cleanup.tasks.forEach { $0.cancel() }
            cleanup.session.finishTasksAndInvalidate()
        }
    }

    /// URLSession and its tasks are thread-safe but not marked Sendable.
    private struct Cleanup: @unchecked Sendable {
        let session: URLSession
        let tasks: [URLSessionDataTask]
    }

    // MARK: URLSessionDataDelegate

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let http = response as? HTTPURLResponse else {
            fail(dataTask, .connection("not an HTTP response"))
            return completionHandler(.cancel)
        }
        let refusal: FetchError.Reason? = withPending(dataTask) { entry in
            entry.status = http.statusCode
            entry.etag = Self.header("ETag", in: http)
            let notModifiedAllowed = http.statusCode == 304 && entry.job.request.ifNoneMatch != nil
            if http.statusCode != 200 && !notModifiedAllowed { return .httpStatus(http.statusCode) }
            if http.expectedContentLength > Int64(maxBytes) { return .tooLarge(limit: maxBytes) }
            return nil
        } ?? nil
        if let refusal {
            fail(dataTask, refusal)
            return completionHandler(.cancel)
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let overLimit = withPending(dataTask) { entry -> Bool in
            guard !entry.failed else { return false }
            entry.body.append(contentsOf: data)
            return entry.body.count > maxBytes
        } ?? false
        if overLimit { fail(dataTask, .tooLarge(limit: maxBytes)) }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        let from = task.originalRequest?.url?.scheme?.lowercased() ?? ""
        let target = request.url
        let to = target?.scheme?.lowercased() ?? ""
        if to == "https" || (to == "http" && from == "http") {
            return completionHandler(request)
        }
        fail(task, .connection("redirect to \(target?.absoluteString ?? "?") refused (only http(s) without a downgrade from https)"))
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        let entry = pending.removeValue(forKey: task.taskIdentifier)
        lock.unlock()
        guard let entry, !entry.failed else { return }
        let url = entry.job.request.url
        if let error {
            return batch.finish(entry.job.index, .failure(FetchError(url: url, reason: Self.reason(for: error, timeout: timeout))))
        }
        if entry.status == 304 {
            let etag = entry.etag ?? entry.job.request.ifNoneMatch
            return batch.finish(entry.job.index, .success(.notModified(url: url, etag: etag)))
        }
        batch.finish(entry.job.index, .success(.fetched(url: url, body: entry.body, etag: entry.etag)))
    }

    // MARK: helpers

    private func withPending<T>(_ task: URLSessionTask, _ body: (inout Pending) -> T) -> T? {
        lock.lock()
        defer { lock.unlock() }
        guard var entry = pending[task.taskIdentifier] else { return nil }
        let result = body(&entry)
        pending[task.taskIdentifier] = entry
        return result
    }

    /// Reports the failure at once, so `fetch` wakes now and `stop()` cancels the task.
    /// Later data for the task is dropped. No `task.cancel()` here: with
    /// FoundationNetworking (Swift 6.3.1) a cancel from a delegate callback blocked for
    /// seconds on a chunked body while the download ran to its end, and a cancel
    /// dispatched to another queue could race the session's invalidation and trap.
    private func fail(_ task: URLSessionTask, _ reason: FetchError.Reason) {
        let job: Job? = withPending(task) { entry -> Job? in
            guard !entry.failed else { return nil }
            entry.failed = true
            entry.body = []
            return entry.job
        } ?? nil
        guard let job else { return }
        batch.finish(job.index, .failure(FetchError(url: job.request.url, reason: reason)))
    }

    private static func header(_ name: String, in response: HTTPURLResponse) -> String? {
        for (key, value) in response.allHeaderFields {
            if let key = key as? String, key.caseInsensitiveCompare(name) == .orderedSame {
                return value as? String
            }
        }
        return nil
    }

    /// One line for a transport failure; URLError texts on Linux are too vague alone.
    static func reason(for error: Error, timeout: Double) -> FetchError.Reason {
        guard let urlError = error as? URLError else {
            return .connection(oneLine("network error: \(error)"))
        }
        switch urlError.code {
        case .timedOut:
            return .timedOut(seconds: timeout)
        case .cannotConnectToHost:
            return .connection("connection refused")
        case .cannotFindHost, .dnsLookupFailed:
            return .connection("cannot resolve host name")
        case .notConnectedToInternet:
            return .connection("network unreachable")
        case .networkConnectionLost:
            return .connection("connection closed before the whole answer arrived")
        case .badServerResponse, .cannotParseResponse:
            return .connection("malformed HTTP answer")
        case .httpTooManyRedirects:
            return .connection("too many redirects")
        case .secureConnectionFailed, .serverCertificateHasBadDate, .serverCertificateUntrusted,
             .serverCertificateHasUnknownRoot, .serverCertificateNotYetValid, .clientCertificateRejected,
             .clientCertificateRequired:
            return .connection(oneLine("TLS failed: \(urlError.localizedDescription)"))
        default:
            return .connection(oneLine("network error \(urlError.code.rawValue): \(urlError.localizedDescription)"))
        }
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
