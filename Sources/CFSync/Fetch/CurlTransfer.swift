import CCurlLoader
import CFSyncCore
import Foundation

/// One http(s) request on its own curl easy handle. Used only on the thread that runs
/// the multi loop: curl calls the write and header callbacks from inside
/// curl_multi_perform there, so the state needs no lock.
final class CurlTransfer {
    let index: Int
    let request: FetchRequest
    /// The CURL *; cleaned up in deinit, after the loop removed it from the multi handle.
    let handle: UnsafeMutableRawPointer
    private let maxBytes: Int
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headers: UnsafeMutablePointer<curl_slist>?
    private var body: [UInt8] = []
    /// From the latest response's headers (a redirect's ETag does not carry over).
    private var etag: String?
    /// Why the write callback stopped the download, reported instead of curl's error.
    private var refusal: FetchError.Reason?

    /// nil when curl cannot make a handle or refuses an option; `timeout` is a backstop
    /// only, the loop enforces the shared deadline.
    init?(index: Int, request: FetchRequest, scheme: String, timeout: Double, maxBytes: Int) {
        guard let handle = cfcurl_easy_init() else { return nil }
        self.index = index
        self.request = request
        self.handle = handle
        self.maxBytes = maxBytes
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        if let tag = request.ifNoneMatch {
            headers = cfcurl_slist_append(nil, "If-None-Match: \(tag)")
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        let codes = [
            cfcurl_setopt_ptr(handle, CURLOPT_URL, request.url),
            cfcurl_setopt_ptr(handle, CURLOPT_USERAGENT, "cfsync/\(CFSyncCoreVersion.string)"),
            cfcurl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer),
            cfcurl_setopt_ptr(handle, CURLOPT_HTTPHEADER, headers),
            // Threads: no SIGALRM for DNS timeouts.
            cfcurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
            cfcurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1),
            cfcurl_setopt_long(handle, CURLOPT_MAXREDIRS, 10),
            cfcurl_restrict_protocols(handle, scheme == "http" ? 1 : 0),
            // A Content-Length over the limit fails before the body (CURLE_FILESIZE_EXCEEDED).
            cfcurl_setopt_off_t(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxBytes)),
            cfcurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(min(timeout, 86_400 * 365) * 1000) + 500),
            cfcurl_setopt_write_callback(handle, curlWrite, context),
            cfcurl_setopt_header_callback(handle, curlHeader, context),
        ]
        if codes.contains(where: { $0 != CURLE_OK }) { return nil }
    }

    deinit {
        cfcurl_easy_cleanup(handle)
        cfcurl_slist_free_all(headers)
        errorBuffer.deallocate()
    }

    /// Body bytes: kept while the answer is a 200 within the limit. Returning less than
    /// `bytes.count` makes curl abort the transfer, so an error page or an oversized
    /// body stops downloading at once.
    fileprivate func received(_ bytes: UnsafeRawBufferPointer) -> Int {
        let status = responseCode()
        if status != 200 {
            if status == 304 && request.ifNoneMatch != nil { return bytes.count }
            refusal = .httpStatus(status)
            return 0
        }
        if body.count + bytes.count > maxBytes {
            refusal = .tooLarge(limit: maxBytes)
            body = []
            return 0
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    /// One header line; a status line starts the headers of a new response.
    fileprivate func receivedHeader(_ bytes: UnsafeRawBufferPointer) -> Int {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            etag = nil
        } else if let colon = line.firstIndex(of: ":"),
                  line[..<colon].caseInsensitiveCompare("ETag") == .orderedSame {
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            etag = value.isEmpty ? nil : value
        }
        return bytes.count
    }

    /// The result once curl reports the transfer done with `code`.
    func outcome(_ code: CURLcode, timeout: Double) -> Result<FetchResult, FetchError> {
        let url = request.url
        func fail(_ reason: FetchError.Reason) -> Result<FetchResult, FetchError> {
            .failure(FetchError(url: url, reason: reason))
        }
        if let refusal { return fail(refusal) }
        let status = responseCode()
        if code == CURLE_FILESIZE_EXCEEDED { return fail(.tooLarge(limit: maxBytes)) }
        guard code == CURLE_OK else {
            var osErrno = 0
            _ = cfcurl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osErrno)
            var target: UnsafePointer<CChar>?
            _ = cfcurl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &target)
            return fail(CurlFailure.reason(
                code, osErrno: Int32(clamping: osErrno), detail: String(cString: errorBuffer),
                redirectStatus: (300..<400).contains(status) ? status : nil,
                target: target.map { String(cString: $0) }, timeout: timeout))
        }
        if status == 304, let sent = request.ifNoneMatch {
            return .success(.notModified(url: url, etag: etag ?? sent))
        }
        if status != 200 { return fail(.httpStatus(status)) }
        return .success(.fetched(url: url, body: body, etag: etag))
    }

    private func responseCode() -> Int {
        var code = 0
        _ = cfcurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }
}

/// curl's write callback: the context is the transfer (kept alive by the loop).
private let curlWrite: cfcurl_data_callback = { data, size, count, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.received(UnsafeRawBufferPointer(start: data, count: size * count))
}

/// curl's header callback, one line at a time.
private let curlHeader: cfcurl_data_callback = { data, size, count, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.receivedHeader(UnsafeRawBufferPointer(start: data, count: size * count))
}
