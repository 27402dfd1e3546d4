import CNftNetlink
import Glibc

/// The kernel's announcements of nf_tables changes (what `nft monitor` reads), narrowed to
/// the tables cfsync's objects live in: `inet cfsync` for the nftables backend, `ip filter`
/// and `ip6 filter` for iptables-nft. The only caller of `cfnl_monitor_*`.
public final class NftMonitor {
    /// A table as nf_tables names it: family and name.
    public struct Table: Equatable, Sendable {
        /// nf_tables families, with the kernel's NFPROTO_* numbers.
        public enum Family: UInt8, Sendable {
            case inet = 1, ip = 2, ip6 = 10
        }

        public var family: Family
        public var name: String

        public init(_ family: Family, _ name: String) {
            self.family = family
            self.name = name
        }
    }

    private let handle: OpaquePointer

    /// Subscribes to the announcements now: a change committed after this returns is seen.
    ///
    /// - Throws: `NftError` `.permission` without CAP_NET_ADMIN, `.other` when the socket
    ///   cannot be opened.
    public init(watching tables: [Table]) throws(NftError) {
        var opened: OpaquePointer?
        let status = Self.withCTables(tables[...], accumulated: []) { list in
            list.withUnsafeBufferPointer { cfnl_monitor_open($0.baseAddress, $0.count, &opened) }
        }
        guard status == 0, let opened else { throw Self.failure(status, "subscribing to nf_tables announcements") }
        handle = opened
    }

    deinit { cfnl_monitor_close(handle) }

    /// Waits up to `timeout` seconds. True as soon as a change to a watched table was
    /// announced, or announcements were lost (the kernel's queue overflowed, so a change may
    /// have gone unseen); every announcement queued by then is consumed. False when the
    /// time passed without one.
    public func waitForChange(timeout: Double) throws(NftError) -> Bool {
        let milliseconds = Int32(clamping: Int((max(timeout, 0) * 1000).rounded(.up)))
        let status = cfnl_monitor_wait(handle, milliseconds)
        guard status >= 0 else { throw Self.failure(status, "reading nf_tables announcements") }
        return status == 1
    }

    private static func failure(_ status: Int32, _ what: String) -> NftError {
        NftError(kind: -status == EPERM ? .permission : .other, message: "\(what): \(String(cString: strerror(-status)))")
    }

    /// Builds the C list with every name valid for the duration of `body`.
    private static func withCTables(
        _ rest: ArraySlice<Table>, accumulated: [cfnl_table], _ body: ([cfnl_table]) -> Int32
    ) -> Int32 {
        guard let table = rest.first else { return body(accumulated) }
        return table.name.withCString { name in
            withCTables(rest.dropFirst(), accumulated: accumulated + [cfnl_table(family: table.family.rawValue, name: name)], body)
        }
    }
}
