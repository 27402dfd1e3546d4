#ifndef CFSYNC_NFT_NETLINK_H
#define CFSYNC_NFT_NETLINK_H

/// Reads the elements of one nf_tables set with a single netlink dump (libmnl).
///
/// Why not libnftables: every libnftables listing that shows rules or elements makes it
/// build its whole cache, so reading 100k interval elements costs ~0.5 s of CPU in
/// libnftables (gmp interval decomposition, text formatting) on top of the kernel's dump.
/// The dump itself is ~0.3 s at 100k elements (the kernel re-walks the rbtree for each
/// 32 KiB message); this reads it and nothing more. Structure stays with libnftables.

#include <stddef.h>
#include <stdint.h>

/// One element as the kernel holds it: an interval set stores the start of each
/// interval and, flagged, the first key after its end.
typedef struct {
    /// The key in network byte order, `key_length` bytes (4 or 16).
    uint8_t key[16];
    /// 1 when the kernel flags the element NFT_SET_ELEM_INTERVAL_END.
    uint8_t interval_end;
} cfnl_element;

/// Dumps set `set` of the `inet` table `table`.
/// Every key must be `key_length` bytes. On success returns 0 and a malloc'ed array in
/// `*elements` (free it) with `*count` items, in the kernel's order. On failure returns a
/// negative errno: -ENOENT when the table or set does not exist, -EPERM without
/// CAP_NET_ADMIN, -EINTR when the set changed during the dump (read again), -EPROTO when
/// an element carries anything besides a key and the interval-end flag (a timeout, a
/// counter, a comment, another key length), which this reader does not interpret.
int cfnl_dump_inet_set(const char *table, const char *set, uint32_t key_length,
                       cfnl_element **elements, size_t *count);

#endif
