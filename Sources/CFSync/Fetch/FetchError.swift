/// Why a list could not be fetched. One line, naming the URL, so cron mail and
/// `--output json` say exactly which source failed and which option governs it.
public struct FetchError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// Any status but 200 (and 304 when If-None-Match was sent).
        case httpStatus(Int)
        /// The body would exceed `--max-list-size`.
        case tooLarge(limit: Int)
        /// The whole fetch did not finish within `--timeout`.
        case timedOut(seconds: Double)
        /// Refused, unresolvable, reset, TLS failure, refused redirect: the text says which.
        case connection(String)
        /// Not http, https or file (the scheme as given; "" when there is none).
        case unsupportedScheme(String)
        /// A file:// source that is missing, unreadable or not a regular file.
        case file(String)
    }

    public var url: String
    public var reason: Reason

    public init(url: String, reason: Reason) {
        self.url = url
        self.reason = reason
    }

    public var description: String {
        "fetch \(url): \(reasonText)"
    }

    private var reasonText: String {
        switch reason {
        case .httpStatus(let code):
            return "HTTP \(code)"
        case .tooLarge(let limit):
            return "body larger than \(limit) bytes (--max-list-size)"
        case .timedOut(let seconds):
            return "no answer within \(Self.format(seconds)) s (--timeout)"
        case .connection(let what):
            return what
        case .unsupportedScheme(let scheme):
            return scheme.isEmpty
                ? "not a URL (http://, https:// or file:// expected)"
                : "unsupported scheme \"\(scheme)\" (http, https or file expected)"
        case .file(let what):
            return what
        }
    }

    /// "30" rather than "30.0", but keeps "0.5".
    static func format(_ seconds: Double) -> String {
        if seconds.isFinite, seconds == seconds.rounded(), abs(seconds) < 1e15 {
            return String(Int64(seconds))
        }
        return String(seconds)
    }
}
