#if canImport(Glibc)
import Glibc
#endif

/// The state dir (--state-dir, default /var/lib/cfsync): last accepted lists, snapshots,
/// plans, the lock. Every write is atomic (temp file in the same dir, write, fsync,
/// rename, fsync the directory), so a crash or power loss leaves the old file or the
/// new one, never half of either. Paths given to the methods are relative to it and
/// may not climb out of it.
public struct StateDirectory: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// mkdir -p, creating missing directories with mode 0700 (an existing directory is
    /// left as it is). Fails if `path` or a parent exists and is not a directory.
    public func ensureExists() throws {
        try makeDirectories(path)
    }

    /// The file's bytes; nil when it does not exist.
    public func read(_ relativePath: String) throws -> [UInt8]? {
        let full = try resolve(relativePath)
        do {
            return try POSIXFile.readAll(full)
        } catch {
            throw failure("cannot read \(relativePath): \(error.text)")
        }
    }

    /// Atomically replaces the file, creating it and any missing parent dirs (0700).
    public func write(_ relativePath: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws {
        let full = try resolve(relativePath)
        try makeDirectories(parent(of: full))
        do {
            try POSIXFile.writeAtomically(full, bytes, mode: mode)
        } catch {
            throw failure("cannot write \(relativePath): \(error.text)")
        }
    }

    /// `write`, skipped when the file already holds exactly `bytes`: a run that changes
    /// nothing writes nothing (no temp file, fsync or rename). Returns whether it wrote.
    @discardableResult
    public func writeIfChanged(_ relativePath: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws -> Bool {
        if try read(relativePath) == bytes { return false }
        try write(relativePath, bytes, mode: mode)
        return true
    }

    /// Deletes the file; no error when it is already gone.
    public func remove(_ relativePath: String) throws {
        let full = try resolve(relativePath)
        if unlink(full) != 0 {
            if errno == ENOENT { return }
            throw failure("cannot remove \(relativePath): \(String(cString: strerror(errno)))")
        }
        do {
            try POSIXFile.syncDirectory(parent(of: full))
        } catch {
            throw failure("cannot sync the directory of \(relativePath): \(error.text)")
        }
    }

    /// Entry names in a subdirectory ("" for the state dir itself), sorted; [] when it
    /// does not exist. Temp files of interrupted writes are left out.
    public func list(_ relativeDir: String) throws -> [String] {
        let full = relativeDir.isEmpty ? path : try resolve(relativeDir)
        do {
            let names = try POSIXFile.names(in: full) ?? []
            return names.filter { !$0.hasPrefix(StateNames.tempPrefix) }.sorted()
        } catch {
            throw failure("cannot list \(relativeDir.isEmpty ? "." : relativeDir): \(error.text)")
        }
    }

    /// The absolute (or cwd-relative, as `path` is) path of a file in the state dir.
    public func fullPath(_ relativePath: String) throws -> String {
        try resolve(relativePath)
    }

    // MARK: helpers

    func failure(_ message: String) -> StateError {
        StateError(path: path, message: message)
    }

    /// Joins a relative path after refusing absolute paths, "." / ".." and empty parts.
    private func resolve(_ relativePath: String) throws -> String {
        let parts = relativePath.split(separator: "/", omittingEmptySubsequences: false)
        guard !relativePath.hasPrefix("/"), !parts.isEmpty,
              parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else {
            throw failure("\"\(relativePath)\" is not a plain relative path inside it")
        }
        return path.hasSuffix("/") ? path + relativePath : path + "/" + relativePath
    }

    private func parent(of full: String) -> String {
        guard let slash = full.lastIndex(of: "/") else { return "." }
        return slash == full.startIndex ? "/" : String(full[..<slash])
    }

    /// mkdir -p: every missing component is created 0700 (chmod after mkdir, so the
    /// umask cannot loosen it).
    private func makeDirectories(_ target: String) throws {
        var prefix = target.hasPrefix("/") ? "/" : ""
        for part in target.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + part
            let kind: POSIXFile.Kind
            do {
                kind = try POSIXFile.kind(prefix)
            } catch {
                throw failure("cannot inspect \(prefix): \(error.text)")
            }
            switch kind {
            case .directory:
                continue
            case .other:
                throw failure("\(prefix) exists and is not a directory")
            case .missing:
                if mkdir(prefix, 0o700) == 0 {
                    _ = chmod(prefix, 0o700)
                    try? POSIXFile.syncDirectory(parent(of: prefix))
                } else if errno != EEXIST {
                    throw failure("cannot create \(prefix): \(String(cString: strerror(errno)))")
                } else if (try? POSIXFile.kind(prefix)) != .directory {
                    throw failure("\(prefix) exists and is not a directory")
                }
            }
        }
    }
}
