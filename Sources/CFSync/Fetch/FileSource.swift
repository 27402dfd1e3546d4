import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// file:// sources, read directly: libcurl is for http(s) only, and a file source must
/// not pay for loading it.
enum FileSource {
    /// Reads the file named by `url`, never more than `maxBytes` + 1 bytes of it.
    static func read(url: String, parsed: URL, maxBytes: Int) -> Result<FetchResult, FetchError> {
        func fail(_ reason: FetchError.Reason) -> Result<FetchResult, FetchError> {
            .failure(FetchError(url: url, reason: reason))
        }
        if let host = parsed.host, !host.isEmpty, host != "localhost" {
            return fail(.file("file URL names host \"\(host)\"; only local files can be read"))
        }
        let path = parsed.path
        guard !path.isEmpty else { return fail(.file("file URL has no path")) }

        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return fail(.file(describe(errno))) }
        defer { close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else { return fail(.file(describe(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return fail(.file("is a directory")) }
        if (info.st_mode & S_IFMT) == S_IFREG, info.st_size > off_t(maxBytes) {
            return fail(.tooLarge(limit: maxBytes))
        }

        var body: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return fail(.file(describe(errno)))
            }
            if count == 0 { break }
            body.append(contentsOf: chunk[0..<count])
            if body.count > maxBytes { return fail(.tooLarge(limit: maxBytes)) }
        }
        return .success(.fetched(url: url, body: body, etag: nil))
    }

    private static func describe(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EACCES: return "permission denied"
        case EISDIR: return "is a directory"
        default: return "cannot read: " + String(cString: strerror(code))
        }
    }
}
