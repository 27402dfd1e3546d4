import Foundation

/// Named places where a debug build can be made to fail on purpose
/// (`CFSYNC_FAILPOINT=after-apply`), so tests drive the restore path against the
/// real kernel. Release builds compile every failpoint away.
enum Failpoint: String {
    /// The backend committed its transaction; fail before the read-back.
    case afterApply = "after-apply"
    /// The backend committed the first of several transactions (a first nftables apply);
    /// fail before the next.
    case betweenTransactions = "between-transactions"
    /// Hold the lock for a while, so tests can race two runs.
    case holdLock = "hold-lock"
    /// The kernel was read and the plan made; say so on stderr and wait for a line (or the end)
    /// of stdin, so a test can change the ruleset before the commit, every time a run reads.
    case afterObserve = "after-observe"
    /// Any read of an nftables set's elements fails, so tests prove that a run took them from
    /// its commit record instead.
    case setDump = "set-dump"

    static let variable = "CFSYNC_FAILPOINT"

    func hit() throws {
        #if DEBUG
        guard ProcessEnvironment.named([Self.variable])[Self.variable] == rawValue else { return }
        switch self {
        case .afterApply, .betweenTransactions, .setDump: throw CFSyncError.failed("failpoint \(rawValue)")
        case .holdLock: Thread.sleep(forTimeInterval: 2)
        case .afterObserve:
            FileHandle.standardError.write(Data("cfsync: failpoint \(rawValue)\n".utf8))
            _ = readLine()
        }
        #endif
    }
}
