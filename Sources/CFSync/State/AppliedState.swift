import CFSyncCore
import Foundation

/// What the last `apply`, `rollback` or `remove` left installed: the state that `restore`
/// (at boot) and `watch` (after a reload) put back. It is the policy and the prefixes as
/// they were verified in the kernel, not the options of a later run, so an admin who
/// applied `--ports 8443` by hand never gets 80/443 back at boot.
public enum AppliedState: Equatable, Codable, Sendable {
    /// cfsync's objects in `backend`, shaped by `policy`, holding exactly `lists`.
    case installed(backend: BackendKind, policy: Policy, lists: AddressLists)
    /// The last change was `cfsync remove`: nothing is to be installed.
    case removed
}

/// `applied.json` in the state dir, written atomically after each verified change.
public struct AppliedStateStore: Sendable {
    static let file = "applied.json"
    static let version = 1

    private struct File: Codable {
        var version: Int
        var state: AppliedState
    }

    let dir: StateDirectory

    public init(dir: StateDirectory) {
        self.dir = dir
    }

    /// The recorded state; nil when nothing was ever recorded. A damaged file is an
    /// error, never "nothing": a boot must not silently skip the lockdown.
    public func load() throws -> AppliedState? {
        guard let bytes = try dir.read(Self.file) else { return nil }
        guard let file = try? JSONDecoder().decode(File.self, from: Data(bytes)) else {
            throw dir.failure("\(Self.file) is damaged (not the JSON cfsync writes); run cfsync apply to record the state again")
        }
        guard file.version == Self.version else {
            throw dir.failure("\(Self.file) has version \(file.version); this cfsync reads version \(Self.version)")
        }
        return file.state
    }

    /// Records `state`; nil forgets it (a rollback to a snapshot older than the record).
    public func save(_ state: AppliedState?) throws {
        guard let state else { return try dir.remove(Self.file) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try dir.writeJSON(Self.file, File(version: Self.version, state: state), encoder: encoder)
    }
}
