import CFSyncCore
import Foundation

/// `cfsync watch`'s repairs, kept in the state dir (`last-repair.json`): the last one and
/// how many so far, for `status` and the metrics' counter across restarts of the watch.
struct RepairLog {
    static let file = "last-repair.json"
    let dir: StateDirectory

    /// The last repair; nil when there was none.
    ///
    /// - Throws: `StateError` when the file cannot be read or is damaged.
    func last() throws -> Repair? {
        guard let bytes = try dir.read(Self.file) else { return nil }
        do {
            return try JSONDecoder().decode(Repair.self, from: Data(bytes))
        } catch {
            throw dir.failure("\(Self.file) is damaged (\(error.localizedDescription)); delete it to start the count again")
        }
    }

    /// Records a repair of `repaired` made `at`, counting on from the last one (from 1 when
    /// the file is damaged: the count is only informative). Returns it.
    func record(_ repaired: [String], at: Date) throws -> Repair {
        let total = ((try? last())?.total ?? 0) + 1
        let repair = Repair(at: at, repaired: repaired, total: total)
        try dir.write(Self.file, Array(try JSONEncoder().encode(repair)))
        return repair
    }
}
