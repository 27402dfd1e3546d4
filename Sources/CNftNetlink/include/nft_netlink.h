#ifndef CFSYNC_NFT_NETLINK_H
#define CFSYNC_NFT_NETLINK_H

/// Reads the elements of nf_tables sets with one netlink dump each, and changes the
/// elements of sets in one netlink batch (one transaction), through libmnl.
///
/// Why not libnftables: every libnftables listing that shows rules or elements makes it
/// build its whole cache, so reading 100k interval elements costs ~0.5 s of CPU in
/// libnftables (gmp interval decomposition, text formatting) on top of the kernel's dump.
/// The dump itself is ~0.3 s at 100k elements (the kernel re-walks the rbtree for each
/// 32 KiB message); this reads it and nothing more. And nft 1.0.6 walks every installed
/// element of an interval set in user space for each element it deletes, so deleting 1%
/// of 100k takes minutes; the kernel does the same delete in microseconds. Tables, chains,
/// rules and set declarations stay with libnftables.

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

/// The ruleset generation (NFT_MSG_GETGEN): the kernel adds one for every committed
/// transaction, of any program. Read it before reading the ruleset, and hand it to
/// `cfnl_change_inet_sets`: the kernel commits only if nothing committed in between.
/// Returns 0 and sets `*generation`, or a negative errno.
int cfnl_ruleset_generation(uint32_t *generation);

/// The network namespace's cookie (SO_NETNS_COOKIE on a netlink socket): unique among all
/// namespaces since boot and never reused, unlike the inode of /proc/self/ns/net. A ruleset
/// generation means something only within one namespace of one boot. Returns 0 and sets
/// `*cookie`, or a negative errno (-ENOPROTOOPT before Linux 5.14).
int cfnl_netns_cookie(uint64_t *cookie);

/// The changes to one set: a flush, then deletions, then additions, as the kernel applies them.
typedef struct {
    const char *set;
    /// Bytes of every key (4 or 16).
    uint32_t key_length;
    /// 1 to delete every element first (a replacement rather than a delta).
    uint8_t flush;
    const cfnl_element *deletions;
    size_t deletion_count;
    const cfnl_element *additions;
    size_t addition_count;
} cfnl_set_changes;

/// Applies `changes` to sets of the `inet` table `table` in one netlink batch: every flush
/// and deletion, then every addition; the kernel commits all of it or none. A non-zero
/// `generation` goes into the batch (NFNL_BATCH_GENID, as nft does): unless the ruleset is
/// still at that generation the kernel refuses the whole batch with -ERESTART, checked under
/// the same lock as the commit; 0 skips the check. Additions are
/// nft's `add element`: adding an element identical to an installed one changes nothing.
/// Returns 0, or -ERESTART (see above), or the negative errno of the first message the kernel refused (-ENOENT: an
/// element to delete or a set is missing; -EEXIST: an added interval overlaps one installed;
/// -EPERM: no CAP_NET_ADMIN), or -EPROTO when the kernel's answers do not account for every
/// message.
int cfnl_change_inet_sets(const char *table, uint32_t generation, const cfnl_set_changes *changes, size_t count);

#endif
