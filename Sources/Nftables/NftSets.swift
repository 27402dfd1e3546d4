import CNftNetlink
import Glibc

/// Reads the elements of one set with a netlink dump (see `nft_netlink.h` for why this
/// does not go through libnftables). This file is the only caller of `cfnl_*`.
public enum NftSetReader {
    /// One element as the kernel stores it.
    public struct Element: Equatable, Sendable {
        /// The key read as a big-endian number.
        public var key: UInt128
        /// Flagged NFT_SET_ELEM_INTERVAL_END: the first key after an interval.
        public var isIntervalEnd: Bool
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
            guard status == 0, let raw else { throw NftError(netlinkStatus: status, set: set) }
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
}
