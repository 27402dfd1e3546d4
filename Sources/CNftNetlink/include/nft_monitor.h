#ifndef CFSYNC_NFT_MONITOR_H
#define CFSYNC_NFT_MONITOR_H

/// Listens to the kernel's announcements of nf_tables changes: the netlink group
/// NFNLGRP_NFTABLES, which `nft monitor` reads. Every committed change to a table, chain,
/// rule, set or set element is announced there, whoever made it (nft, iptables-nft,
/// firewalld, cfsync itself); iptables-legacy and ufw's files are not nf_tables and are
/// never announced. `cfsync watch` waits here instead of polling the rule set.

#include <stddef.h>
#include <stdint.h>

/// A table to watch: `family` is the nf_tables family (NFPROTO_INET 1, NFPROTO_IPV4 2,
/// NFPROTO_IPV6 10), `name` the table's name.
typedef struct {
    uint8_t family;
    const char *name;
} cfnl_table;

typedef struct cfnl_monitor cfnl_monitor;

/// Opens a socket subscribed to NFNLGRP_NFTABLES that reports changes to `tables` (copied;
/// at least one). Returns 0 and the monitor in `*monitor`, or a negative errno (-EPERM
/// without CAP_NET_ADMIN, -EINVAL for no tables or a name longer than nf_tables allows).
int cfnl_monitor_open(const cfnl_table *tables, size_t count, cfnl_monitor **monitor);

/// Waits up to `timeout_ms` for announcements and reads every one that arrives. Returns 1
/// as soon as one concerned a watched table (every announcement queued by then is read
/// too), 1 when announcements were lost (ENOBUFS: the socket's buffer overflowed, so a
/// change may have gone unseen), 0 when the time passed without either, or a negative
/// errno when the socket failed.
int cfnl_monitor_wait(cfnl_monitor *monitor, int timeout_ms);

void cfnl_monitor_close(cfnl_monitor *monitor);

#endif
