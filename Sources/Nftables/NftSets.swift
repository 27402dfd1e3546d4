import CFSyncCore
import CNftNetlink
import Glibc

/// The elements of cfsync's sets through netlink: read with one dump a set, changed with one
/// batch (see `nft_netlink.h` for why not through libnftables). The only caller of `cfnl_*`.
public enum NftSets {
    public typealias Element = NftIntervalSet.Element

    /// What to flush, delete from and then add to one set.
    public struct Changes: Sendable {
        public var set: String
        public var keyLength: Int
        /// Delete every element first.
        public var flush: Bool
        public var deletions: [Element]
        public var additions: [Element]

        public init(set: String, keyLength: Int, flush: Bool = false, deletions: [Element], additions: [Element]) {
            self.set = set
            self.keyLength = keyLength
            self.flush = flush
            self.deletions = deletions
            self.additions = additions
        }
    }

    /// Every element of `set` in the `inet` table `table`, whose keys are `keyLength` bytes.
    ///
    /// - Throws: `NftError` `.notFound` when the table or set does not exist, `.permission`
    ///   without CAP_NET_ADMIN, `.uninterpretable` when an element carries more than a key
    ///   and the interval-end flag (a timeout, a counter, a comment).
    public static func elements(table: String, set: String, keyLength: Int) throws(NftError) -> [Element] {
        var attempts = 0
        while true {
            var raw: UnsafeMutablePointer<cfnl_element>?
            var count = 0
            let status = cfnl_dump_inet_set(table, set, UInt32(keyLength), &raw, &count)
            // The set changed during the dump: the kernel says so, and a new dump is consistent.
            if status == -EINTR, attempts < 3 {
                attempts += 1
                continue
            }
            guard status == 0 else { throw NftError(netlinkStatus: status, reading: true, sets: [set]) }
            // An empty set: nothing was allocated.
            guard let raw else { return [] }
            defer { free(raw) }
            return UnsafeBufferPointer(start: raw, count: count).map { element in
                var key: UInt128 = 0
                withUnsafeBytes(of: element.key) { bytes in
                    for byte in bytes.prefix(keyLength) { key = key << 8 | UInt128(byte) }
                }
                return Element(key: key, isIntervalEnd: element.interval_end != 0)
            }
        }
    }

    /// The ruleset generation: one more for every committed transaction of any program.
    public static func generation() throws(NftError) -> UInt32 {
        var generation: UInt32 = 0
        let status = cfnl_ruleset_generation(&generation)
        guard status == 0 else { throw NftError(netlinkStatus: status, reading: true, sets: []) }
        return generation
    }

    /// Flushes sets, deletes and adds elements of sets of the `inet` table `table` in one
    /// kernel transaction: all flushes and deletions first (an added interval may overlap a
    /// withdrawn one), then all additions; all of it commits or none, and only while the
    /// ruleset is at `generation` (0: at any).
    ///
    /// - Throws: `NftError` `.changed` when the ruleset is past `generation`, `.notFound` when
    ///   an element to delete or a set is missing, `.exists` when an added interval overlaps an
    ///   installed one, `.permission`.
    public static func change(table: String, generation: UInt32, _ changes: [Changes]) throws(NftError) {
        let raw = changes.map { change in
            (change.set, change.keyLength, change.flush,
             change.deletions.map { $0.raw(keyLength: change.keyLength) },
             change.additions.map { $0.raw(keyLength: change.keyLength) })
        }
        var status: Int32 = 0
        withSetChanges(raw[...], accumulated: []) { list in
            status = list.withUnsafeBufferPointer { cfnl_change_inet_sets(table, generation, $0.baseAddress, $0.count) }
        }
        guard status == 0 else { throw NftError(netlinkStatus: status, reading: false, sets: changes.map(\.set)) }
    }

    /// Builds the C list with every pointer valid for the duration of `body`.
    private static func withSetChanges(
        _ rest: ArraySlice<(String, Int, Bool, [cfnl_element], [cfnl_element])>,
        accumulated: [cfnl_set_changes],
        _ body: ([cfnl_set_changes]) -> Void
    ) {
        guard let (set, keyLength, flush, deletions, additions) = rest.first else { return body(accumulated) }
        set.withCString { name in
            deletions.withUnsafeBufferPointer { deleted in
                additions.withUnsafeBufferPointer { added in
                    let entry = cfnl_set_changes(
                        set: name, key_length: UInt32(keyLength), flush: flush ? 1 : 0,
                        deletions: deleted.baseAddress, deletion_count: deleted.count,
                        additions: added.baseAddress, addition_count: added.count)
                    withSetChanges(rest.dropFirst(), accumulated: accumulated + [entry], body)
                }
            }
        }
    }
}

extension NftIntervalSet.Element {
    /// The key's `length` low bytes in network order.
    fileprivate func raw(keyLength length: Int) -> cfnl_element {
        var element = cfnl_element()
        withUnsafeMutableBytes(of: &element.key) { bytes in
            for i in 0..<length { bytes[i] = UInt8(truncatingIfNeeded: key >> (8 * (length - 1 - i))) }
        }
        element.interval_end = isIntervalEnd ? 1 : 0
        return element
    }
}
