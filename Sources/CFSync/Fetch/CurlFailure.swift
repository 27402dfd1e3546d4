import CCurlLoader
#if canImport(Glibc)
import Glibc
#endif

/// One line for a transfer libcurl ended with an error. curl's own texts are precise
/// but speak curl ("Couldn't connect to server"); the ones cron mail and the tests
/// depend on are stable phrases, with curl's detail added where it helps.
enum CurlFailure {
    /// `osErrno`: CURLINFO_OS_ERRNO. `detail`: curl's error buffer (may be empty).
    /// `redirectStatus`: the last response code when it was a 3xx, else nil.
    /// `target`: the URL curl was sent to last (the refused redirect's target).
    static func reason(_ code: CURLcode, osErrno: Int32, detail: String, redirectStatus: Int?,
                       target: String?, timeout: Double) -> FetchError.Reason {
        let why = detail.isEmpty ? "curl error \(code.rawValue)" : oneLine(detail)
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut(seconds: timeout)
        case CURLE_COULDNT_CONNECT:
            switch osErrno {
            case ECONNREFUSED: return .connection("connection refused")
            case ENETUNREACH: return .connection("network unreachable")
            case EHOSTUNREACH: return .connection("host unreachable")
            default: return .connection("cannot connect: \(why)")
            }
        case CURLE_COULDNT_RESOLVE_HOST:
            return .connection("cannot resolve host name")
        case CURLE_COULDNT_RESOLVE_PROXY:
            return .connection("cannot resolve proxy host name")
        case CURLE_UNSUPPORTED_PROTOCOL where redirectStatus != nil:
            return .connection("redirect to \(target ?? "?") refused (only http(s) without a downgrade from https)")
        case CURLE_TOO_MANY_REDIRECTS:
            return .connection("too many redirects")
        case CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_SEND_ERROR:
            return .connection("connection closed before the whole answer arrived")
        case CURLE_WEIRD_SERVER_REPLY, CURLE_BAD_CONTENT_ENCODING:
            return .connection("malformed HTTP answer")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE,
             CURLE_SSL_SHUTDOWN_FAILED, CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_INITFAILED:
            return .connection("TLS failed: \(why)")
        default:
            return .connection("network error \(code.rawValue): \(why)")
        }
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
