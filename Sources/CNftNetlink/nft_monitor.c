#include "nft_monitor.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>

/// Room for a burst of announcements while the watcher is busy repairing: a `flush ruleset`
/// of a large rule set announces every rule and set. An overflow is reported as a change,
/// so this only saves a needless check.
#define SOCKET_BUFFER_SIZE (4 << 20)
/// One read: the kernel sends announcements up to a page each, batched up to this.
#define READ_BUFFER_SIZE 65536

struct cfnl_monitor {
    struct mnl_socket *socket;
    size_t count;
    cfnl_table *tables;
    char *buffer;
};

void cfnl_monitor_close(cfnl_monitor *monitor) {
    if (!monitor) return;
    if (monitor->socket) mnl_socket_close(monitor->socket);
    for (size_t i = 0; i < monitor->count; i++) free((char *)monitor->tables[i].name);
    free(monitor->tables);
    free(monitor->buffer);
    free(monitor);
}

int cfnl_monitor_open(const cfnl_table *tables, size_t count, cfnl_monitor **result) {
    if (count == 0) return -EINVAL;
    for (size_t i = 0; i < count; i++)
        if (!tables[i].name || strlen(tables[i].name) >= NFT_TABLE_MAXNAMELEN) return -EINVAL;
    cfnl_monitor *monitor = calloc(1, sizeof *monitor);
    if (!monitor) return -ENOMEM;
    monitor->tables = calloc(count, sizeof *monitor->tables);
    monitor->buffer = malloc(READ_BUFFER_SIZE);
    if (!monitor->tables || !monitor->buffer) {
        cfnl_monitor_close(monitor);
        return -ENOMEM;
    }
    for (; monitor->count < count; monitor->count++) {
        char *name = strdup(tables[monitor->count].name);
        if (!name) {
            cfnl_monitor_close(monitor);
            return -ENOMEM;
        }
        monitor->tables[monitor->count] = (cfnl_table){tables[monitor->count].family, name};
    }
    monitor->socket = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
    if (!monitor->socket) {
        int error = -errno;
        cfnl_monitor_close(monitor);
        return error;
    }
    int fd = mnl_socket_get_fd(monitor->socket);
    int size = SOCKET_BUFFER_SIZE;
    // FORCE passes the rmem_max cap with CAP_NET_ADMIN, which every caller has.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    int group = NFNLGRP_NFTABLES;
    if (mnl_socket_bind(monitor->socket, 0, MNL_SOCKET_AUTOPID) < 0
        || mnl_socket_setsockopt(monitor->socket, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
        int error = -errno;
        cfnl_monitor_close(monitor);
        return error;
    }
    *result = monitor;
    return 0;
}

/// The attribute naming the table in each kind of announcement; 0 for NEWGEN, which
/// closes every transaction and names no table.
static uint16_t table_attribute(uint16_t message) {
    switch (message) {
    case NFT_MSG_NEWTABLE: case NFT_MSG_DELTABLE: return NFTA_TABLE_NAME;
    case NFT_MSG_NEWCHAIN: case NFT_MSG_DELCHAIN: return NFTA_CHAIN_TABLE;
    case NFT_MSG_NEWRULE: case NFT_MSG_DELRULE: return NFTA_RULE_TABLE;
    case NFT_MSG_NEWSET: case NFT_MSG_DELSET: return NFTA_SET_TABLE;
    case NFT_MSG_NEWSETELEM: case NFT_MSG_DELSETELEM: return NFTA_SET_ELEM_LIST_TABLE;
    case NFT_MSG_NEWOBJ: case NFT_MSG_DELOBJ: return NFTA_OBJ_TABLE;
    case NFT_MSG_NEWFLOWTABLE: case NFT_MSG_DELFLOWTABLE: return NFTA_FLOWTABLE_TABLE;
    case NFT_MSG_NEWGEN: return 0;
    // A kind this header does not know: every kind so far names its table in attribute 1.
    default: return 1;
    }
}

/// Whether one announcement concerns a watched table. One whose table cannot be read
/// counts as concerning: a needless check is cheap, a missed change is not.
static int concerns(const cfnl_monitor *monitor, const struct nlmsghdr *message) {
    if (NFNL_SUBSYS_ID(message->nlmsg_type) != NFNL_SUBSYS_NFTABLES) return 0;
    uint16_t attribute = table_attribute(NFNL_MSG_TYPE(message->nlmsg_type));
    if (attribute == 0) return 0;
    if (message->nlmsg_len < mnl_nlmsg_size(sizeof(struct nfgenmsg))) return 1;
    const struct nfgenmsg *header = mnl_nlmsg_get_payload(message);
    const struct nlattr *attr;
    mnl_attr_for_each(attr, message, sizeof(struct nfgenmsg)) {
        if (mnl_attr_get_type(attr) != attribute) continue;
        const char *name = mnl_attr_get_payload(attr);
        size_t length = strnlen(name, mnl_attr_get_payload_len(attr));
        for (size_t i = 0; i < monitor->count; i++) {
            if (monitor->tables[i].family == header->nfgen_family && strlen(monitor->tables[i].name) == length
                && memcmp(monitor->tables[i].name, name, length) == 0)
                return 1;
        }
        return 0;
    }
    return 1;
}

/// Reads every queued announcement without blocking: 1 if one concerned a watched table
/// or some were lost, 0 if none did, or a negative errno.
static int read_queued(cfnl_monitor *monitor) {
    int fd = mnl_socket_get_fd(monitor->socket);
    int found = 0;
    for (;;) {
        ssize_t received = recv(fd, monitor->buffer, READ_BUFFER_SIZE, MSG_DONTWAIT);
        if (received < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return found;
            if (errno == EINTR) continue;
            // The kernel dropped announcements; the socket goes on with the next ones.
            if (errno == ENOBUFS) {
                found = 1;
                continue;
            }
            return -errno;
        }
        const struct nlmsghdr *message = (const struct nlmsghdr *)monitor->buffer;
        int remaining = (int)received;
        for (; !found && mnl_nlmsg_ok(message, remaining); message = mnl_nlmsg_next(message, &remaining))
            found = concerns(monitor, message);
    }
}

static int64_t now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int cfnl_monitor_wait(cfnl_monitor *monitor, int timeout_ms) {
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int found = read_queued(monitor);
        if (found != 0) return found;
        int64_t left = deadline - now_ms();
        if (left <= 0) return 0;
        struct pollfd waiting = {mnl_socket_get_fd(monitor->socket), POLLIN, 0};
        if (poll(&waiting, 1, (int)left) < 0 && errno != EINTR) return -errno;
    }
}
