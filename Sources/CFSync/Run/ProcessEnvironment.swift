#if canImport(Glibc)
import Glibc
#endif

/// The few environment variables a run reads, looked up one by one with getenv:
/// `ProcessInfo.processInfo.environment` copies the whole environment into a dictionary
/// first (~0.9M instructions each time, a few percent of a no-op plan).
public enum ProcessEnvironment {
    /// Those of `names` that are set, with their values.
    public static func named(_ names: [String]) -> [String: String] {
        var found: [String: String] = [:]
        for name in names {
            if let value = getenv(name) { found[name] = String(cString: value) }
        }
        return found
    }
}
