#if canImport(Glibc)
import Glibc
#endif

/// Thin errno-returning wrappers for the state dir: no Foundation, so every failure
/// keeps its errno and every write can be fsynced.
enum POSIXFile {
    struct Failure: Error {
        var errno: Int32
        var text: String { String(cString: strerror(errno)) }
    }

    /// The whole file; nil when it does not exist.
    static func readAll(_ path: String) throws(Failure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw Failure(errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { throw Failure(errno: EISDIR) }
        var body: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(errno: errno)
            }
            if count == 0 { return body }
            body.append(contentsOf: chunk[0..<count])
        }
    }

    /// Temp file in the same directory, write, fsync, rename over `path`, fsync the directory.
    static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(Failure) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let (fd, temp) = try createTemp(in: directory.isEmpty ? "" : directory, for: name)
        var done = false
        defer {
            if !done { unlink(temp) }
        }
        do throws(Failure) {
            guard fchmod(fd, mode) == 0 else { throw Failure(errno: errno) }
            try writeAll(fd, bytes)
            guard fsync(fd) == 0 else { throw Failure(errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw Failure(errno: errno) }
        guard rename(temp, path) == 0 else { throw Failure(errno: errno) }
        done = true
        try syncDirectory(directory.isEmpty ? "/" : directory)
    }

    /// A new exclusive, close-on-exec temp file next to the target (mkostemp is not
    /// visible from Swift's Glibc module).
    private static func createTemp(in directory: String, for name: String) throws(Failure) -> (Int32, String) {
        for _ in 0..<16 {
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let temp = "\(directory)/\(StateNames.tempPrefix)\(name)-\(suffix)"
            let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { return (fd, temp) }
            if errno != EEXIST { throw Failure(errno: errno) }
        }
        throw Failure(errno: EEXIST)
    }

    /// Makes a rename or unlink in `path` durable.
    static func syncDirectory(_ path: String) throws(Failure) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(errno: errno) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress?.advanced(by: offset), $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(errno: errno)
            }
            offset += count
        }
    }

    enum Kind { case missing, directory, other }

    /// What is at `path`, following symlinks.
    static func kind(_ path: String) throws(Failure) -> Kind {
        var info = stat()
        if stat(path, &info) != 0 {
            if errno == ENOENT { return .missing }
            throw Failure(errno: errno)
        }
        return (info.st_mode & S_IFMT) == S_IFDIR ? .directory : .other
    }

    /// Entry names except "." and ".."; nil when the directory does not exist.
    static func names(in path: String) throws(Failure) -> [String]? {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return nil }
            throw Failure(errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

/// Names the state dir reserves for itself.
enum StateNames {
    /// Temp files of interrupted writes; never listed.
    static let tempPrefix = ".cfsync-tmp-"
}
