import CFSyncCore
import Nftables

/// The exit codes of spec/cli.md, in one place.
public enum CFSyncExit: Int32, Sendable {
    case success = 0
    case error = 1
    /// With `--detailed-exitcode`: changes found or made. `status`: drift.
    case changes = 2
    case refused = 3
    case locked = 4
    case usage = 64
}

/// An error that ends a run, already classified by exit code and phrased as
/// the one line the operator reads.
public struct CFSyncError: Error, Equatable, CustomStringConvertible {
    public var exit: CFSyncExit
    public var message: String

    public init(_ exit: CFSyncExit, _ message: String) {
        self.exit = exit
        self.message = message
    }

    public static func usage(_ message: String) -> CFSyncError { .init(.usage, message) }
    public static func refused(_ message: String) -> CFSyncError { .init(.refused, message) }
    public static func failed(_ message: String) -> CFSyncError { .init(.error, message) }

    public var description: String { message }

    /// Classifies any error thrown below the CLI: guard failures refuse (3),
    /// fetch and backend failures are errors (1), a held lock is 4.
    public static func classify(_ error: Error) -> CFSyncError {
        switch error {
        case let e as CFSyncError: e
        case let e as ListError: .refused(e.description)
        case let e as ListGuardViolation: .refused(e.description)
        case let e as PrefixError: .refused(e.description)
        case let e as FetchError: .failed(e.description)
        case let e as NftError: .failed(e.description)
        case let e as LockError: .init(.locked, e.description)
        default: .failed(String(describing: error))
        }
    }
}
