import CFSyncCore

/// `nftables-commit.txt` in the state dir: the `NftCommitRecord` of the last verified nftables
/// commit. `NftablesBackend` removes it before every commit of its own and writes it after one
/// it proved, so it never describes a ruleset cfsync may have changed since.
public struct NftCommitRecordFile: Sendable {
    static let file = "nftables-commit.txt"

    let dir: StateDirectory

    public init(dir: StateDirectory) {
        self.dir = dir
    }

    /// The record; nil when there is none, or it cannot be read or is damaged: it only ever
    /// spares a read of the kernel, so a bad one means reading the kernel, never an error.
    public func load() -> NftCommitRecord? {
        guard let bytes = try? dir.read(Self.file) else { return nil }
        return try? NftCommitRecord(parsing: bytes, sha256: SHA256Hex.of)
    }

    public func save(_ record: NftCommitRecord) throws {
        try dir.write(Self.file, record.render(sha256: SHA256Hex.of))
    }

    public func remove() throws {
        try dir.remove(Self.file)
    }
}
