#include "nft_netlink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>

/// Larger than the kernel's 32 KiB cap on a dump message, so each message fills it.
#define RECEIVE_BUFFER_SIZE 65536

struct dump {
    cfnl_element *elements;
    size_t count, capacity;
    uint32_t key_length;
    int error;
};

static int append(struct dump *dump, const cfnl_element *element) {
    if (dump->count == dump->capacity) {
        size_t capacity = dump->capacity ? dump->capacity * 2 : 1024;
        cfnl_element *grown = realloc(dump->elements, capacity * sizeof *grown);
        if (!grown) return -ENOMEM;
        dump->elements = grown;
        dump->capacity = capacity;
    }
    dump->elements[dump->count++] = *element;
    return 0;
}

/// NFTA_SET_ELEM_KEY holds one NFTA_DATA_VALUE of exactly key_length bytes.
static int read_key(const struct nlattr *key, uint32_t key_length, cfnl_element *element) {
    const struct nlattr *value;
    int found = 0;
    mnl_attr_for_each_nested(value, key) {
        if (mnl_attr_get_type(value) != NFTA_DATA_VALUE || found) return -EPROTO;
        if (mnl_attr_get_payload_len(value) != key_length) return -EPROTO;
        memcpy(element->key, mnl_attr_get_payload(value), key_length);
        found = 1;
    }
    return found ? 0 : -EPROTO;
}

static int read_element(const struct nlattr *item, struct dump *dump) {
    cfnl_element element = {{0}, 0};
    const struct nlattr *attr;
    int has_key = 0;
    mnl_attr_for_each_nested(attr, item) {
        switch (mnl_attr_get_type(attr)) {
        case NFTA_SET_ELEM_KEY: {
            int error = read_key(attr, dump->key_length, &element);
            if (error) return error;
            has_key = 1;
            break;
        }
        case NFTA_SET_ELEM_FLAGS: {
            if (mnl_attr_get_payload_len(attr) != sizeof(uint32_t)) return -EPROTO;
            uint32_t flags = ntohl(mnl_attr_get_u32(attr));
            if (flags & ~(uint32_t)NFT_SET_ELEM_INTERVAL_END) return -EPROTO;
            element.interval_end = (flags & NFT_SET_ELEM_INTERVAL_END) != 0;
            break;
        }
        default:
            return -EPROTO;
        }
    }
    return has_key ? append(dump, &element) : -EPROTO;
}

static int on_message(const struct nlmsghdr *message, void *context) {
    struct dump *dump = context;
    if (message->nlmsg_flags & NLM_F_DUMP_INTR) {
        dump->error = -EINTR;
        return MNL_CB_ERROR;
    }
    const struct nlattr *attr;
    mnl_attr_for_each(attr, message, sizeof(struct nfgenmsg)) {
        if (mnl_attr_get_type(attr) != NFTA_SET_ELEM_LIST_ELEMENTS) continue;
        const struct nlattr *item;
        mnl_attr_for_each_nested(item, attr) {
            if (mnl_attr_get_type(item) != NFTA_LIST_ELEM) continue;
            int error = read_element(item, dump);
            if (error) {
                dump->error = error;
                return MNL_CB_ERROR;
            }
        }
    }
    return MNL_CB_OK;
}

int cfnl_dump_inet_set(const char *table, const char *set, uint32_t key_length,
                       cfnl_element **elements, size_t *count) {
    if (key_length == 0 || key_length > sizeof(((cfnl_element *)0)->key)) return -EINVAL;
    char *buffer = malloc(RECEIVE_BUFFER_SIZE);
    if (!buffer) return -ENOMEM;
    struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
    if (!nl) {
        free(buffer);
        return -errno;
    }
    struct dump dump = {NULL, 0, 0, key_length, 0};
    int result = 0;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        result = -errno;
        goto done;
    }
    uint32_t sequence = (uint32_t)time(NULL);
    uint32_t port = mnl_socket_get_portid(nl);
    struct nlmsghdr *request = mnl_nlmsg_put_header(buffer);
    request->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETSETELEM;
    request->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK;
    request->nlmsg_seq = sequence;
    struct nfgenmsg *header = mnl_nlmsg_put_extra_header(request, sizeof *header);
    header->nfgen_family = NFPROTO_INET;
    header->version = NFNETLINK_V0;
    header->res_id = 0;
    mnl_attr_put_strz(request, NFTA_SET_ELEM_LIST_TABLE, table);
    mnl_attr_put_strz(request, NFTA_SET_ELEM_LIST_SET, set);
    if (mnl_socket_sendto(nl, request, request->nlmsg_len) < 0) {
        result = -errno;
        goto done;
    }
    for (;;) {
        ssize_t received = mnl_socket_recvfrom(nl, buffer, RECEIVE_BUFFER_SIZE);
        if (received < 0) {
            result = -errno;
            break;
        }
        int status = mnl_cb_run(buffer, (size_t)received, sequence, port, on_message, &dump);
        if (status == MNL_CB_STOP) break;
        if (status < 0) {
            result = dump.error ? dump.error : -errno;
            break;
        }
    }
done:
    mnl_socket_close(nl);
    free(buffer);
    if (result) {
        free(dump.elements);
        return result;
    }
    *elements = dump.elements;
    *count = dump.count;
    return 0;
}
