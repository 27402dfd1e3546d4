import CCurlLoader

/// libcurl, dlopen'ed on the first http(s) fetch rather than linked (see curl_loader.h):
/// runs that never fetch over http do not load it and its dependencies at all.
enum CurlLibrary {
    /// The soname of Debian's libcurl4 (OpenSSL flavour); packaging lists it in Depends
    /// by hand because dpkg-shlibdeps cannot see a dlopen.
    static let name = "libcurl.so.4"

    /// nil once libcurl is ready, otherwise why it is not. Swift runs a static `let`'s
    /// initialiser once, thread-safely, so the library is opened at most once a process.
    private static let loaded: String? = load(named: name)

    /// nil when libcurl is ready; otherwise the one-line reason for `FetchError`.
    static func ensureLoaded(for scheme: String) -> String? {
        loaded.map { missing(scheme: scheme, detail: $0) }
    }

    /// Opens `library` and resolves what cfsync calls; nil on success, else the loader's
    /// reason. Not cached: the tests name a library that does not exist.
    static func load(named library: String) -> String? {
        var error = [CChar](repeating: 0, count: 512)
        guard cfcurl_load(library, &error, error.count) != 0 else { return nil }
        let bytes = error.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What to install first, then the loader's own words (a missing file or symbol).
    static func missing(scheme: String, detail: String) -> String {
        let line = detail.split(whereSeparator: \.isNewline).joined(separator: " ")
        return "\(scheme.isEmpty ? "https" : scheme):// needs libcurl4 (apt-get install libcurl4): \(line)"
    }
}
