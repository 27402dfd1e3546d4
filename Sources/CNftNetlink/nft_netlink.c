#include "nft_netlink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>

/// Larger than the kernel's 32 KiB cap on a dump message, so each message fills it.
#define RECEIVE_BUFFER_SIZE 65536

/// An nf_tables request about set `set` of the inet table `table`.
static void put_set_request(struct nlmsghdr *message, uint16_t type, uint16_t flags, uint32_t sequence,
                            const char *table, const char *set) {
    message->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | type;
    message->nlmsg_flags = NLM_F_REQUEST | flags;
    message->nlmsg_seq = sequence;
    struct nfgenmsg *header = mnl_nlmsg_put_extra_header(message, sizeof *header);
    header->nfgen_family = NFPROTO_INET;
    header->version = NFNETLINK_V0;
    header->res_id = 0;
    mnl_attr_put_strz(message, NFTA_SET_ELEM_LIST_TABLE, table);
    mnl_attr_put_strz(message, NFTA_SET_ELEM_LIST_SET, set);
}

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

/// Sends `request` on a new socket and runs `callback` over every answer until the kernel's
/// final ack (or the end of a dump). Returns 0 or a negative errno; `*callback_error`, when
/// the callback set one, wins over errno.
static int talk(struct nlmsghdr *request, char *buffer, mnl_cb_t callback, void *context, const int *callback_error) {
    struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
    if (!nl) return -errno;
    int result = 0;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        result = -errno;
        goto done;
    }
    uint32_t sequence = request->nlmsg_seq, port = mnl_socket_get_portid(nl);
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
        int status = mnl_cb_run(buffer, (size_t)received, sequence, port, callback, context);
        if (status == MNL_CB_STOP) break;
        if (status < 0) {
            result = *callback_error ? *callback_error : -errno;
            break;
        }
    }
done:
    mnl_socket_close(nl);
    return result;
}

int cfnl_dump_inet_set(const char *table, const char *set, uint32_t key_length,
                       cfnl_element **elements, size_t *count) {
    if (key_length == 0 || key_length > sizeof(((cfnl_element *)0)->key)) return -EINVAL;
    char *buffer = malloc(RECEIVE_BUFFER_SIZE);
    if (!buffer) return -ENOMEM;
    struct dump dump = {NULL, 0, 0, key_length, 0};
    struct nlmsghdr *request = mnl_nlmsg_put_header(buffer);
    put_set_request(request, NFT_MSG_GETSETELEM, NLM_F_DUMP | NLM_F_ACK, (uint32_t)time(NULL), table, set);
    int result = talk(request, buffer, on_message, &dump, &dump.error);
    free(buffer);
    if (result) {
        free(dump.elements);
        return result;
    }
    *elements = dump.elements;
    *count = dump.count;
    return 0;
}

struct generation {
    uint32_t id;
    int found, error;
};

static int on_generation(const struct nlmsghdr *message, void *context) {
    struct generation *generation = context;
    const struct nlattr *attr;
    mnl_attr_for_each(attr, message, sizeof(struct nfgenmsg)) {
        if (mnl_attr_get_type(attr) != NFTA_GEN_ID) continue;
        if (mnl_attr_get_payload_len(attr) != sizeof(uint32_t)) {
            generation->error = -EPROTO;
            return MNL_CB_ERROR;
        }
        generation->id = ntohl(mnl_attr_get_u32(attr));
        generation->found = 1;
    }
    return MNL_CB_OK;
}

int cfnl_ruleset_generation(uint32_t *generation) {
    char *buffer = malloc(RECEIVE_BUFFER_SIZE);
    if (!buffer) return -ENOMEM;
    struct nlmsghdr *request = mnl_nlmsg_put_header(buffer);
    request->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
    request->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    request->nlmsg_seq = (uint32_t)time(NULL);
    struct nfgenmsg *header = mnl_nlmsg_put_extra_header(request, sizeof *header);
    header->nfgen_family = AF_UNSPEC;
    header->version = NFNETLINK_V0;
    header->res_id = 0;
    struct generation answer = {0, 0, 0};
    int result = talk(request, buffer, on_generation, &answer, &answer.error);
    free(buffer);
    if (result) return result;
    if (!answer.found) return -EPROTO;
    *generation = answer.id;
    return 0;
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int cfnl_netns_cookie(uint64_t *cookie) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (fd < 0) return -errno;
    uint64_t value = 0;
    socklen_t length = sizeof value;
    int result = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &value, &length) < 0 ? -errno : 0;
    close(fd);
    if (result == 0 && length != sizeof value) result = -EPROTO;
    if (result == 0) *cookie = value;
    return result;
}

/// Elements per NEWSETELEM/DELSETELEM message: the element list is one attribute, whose
/// length field is 16 bits, and an element takes at most 40 bytes.
#define ELEMENTS_PER_MESSAGE 1024
/// Upper bounds for sizing the batch buffer: an element takes at most 36 bytes; a message
/// header with its table and set names at most 64 bytes plus the names.
#define ELEMENT_SPACE 40
#define MESSAGE_SPACE 128
/// Receive-buffer space one ack takes (skb truesize of a 36-byte answer, with margin).
#define ACK_SPACE 2048

/// Appends messages to one buffer sized beforehand from the bounds above.
struct batch {
    char *buffer;
    size_t length;
};

static struct nlmsghdr *next_message(struct batch *batch) {
    return mnl_nlmsg_put_header(batch->buffer + batch->length);
}

/// BATCH_BEGIN or BATCH_END; a begin with a non-zero `generation` carries it, and the kernel
/// then refuses the whole batch (ERESTART) unless the ruleset is still at that generation.
static void put_batch_marker(struct batch *batch, uint16_t type, uint32_t sequence, uint32_t generation) {
    struct nlmsghdr *message = next_message(batch);
    message->nlmsg_type = type;
    message->nlmsg_flags = NLM_F_REQUEST;
    message->nlmsg_seq = sequence;
    struct nfgenmsg *header = mnl_nlmsg_put_extra_header(message, sizeof *header);
    header->nfgen_family = AF_UNSPEC;
    header->version = NFNETLINK_V0;
    header->res_id = htons(NFNL_SUBSYS_NFTABLES);
    if (generation) mnl_attr_put_u32(message, NFNL_BATCH_GENID, htonl(generation));
    batch->length += message->nlmsg_len;
}

/// A DELSETELEM message without elements: the kernel deletes every element of the set.
static void put_flush(struct batch *batch, uint32_t sequence, const char *table, const char *set) {
    struct nlmsghdr *message = next_message(batch);
    put_set_request(message, NFT_MSG_DELSETELEM, NLM_F_ACK, sequence, table, set);
    batch->length += message->nlmsg_len;
}

/// One NEWSETELEM or DELSETELEM message with up to ELEMENTS_PER_MESSAGE elements.
static void put_elements(struct batch *batch, uint16_t type, uint16_t flags, uint32_t sequence,
                         const char *table, const char *set, uint32_t key_length,
                         const cfnl_element *elements, size_t count) {
    struct nlmsghdr *message = next_message(batch);
    put_set_request(message, type, NLM_F_ACK | flags, sequence, table, set);
    struct nlattr *list = mnl_attr_nest_start(message, NFTA_SET_ELEM_LIST_ELEMENTS);
    for (size_t i = 0; i < count; i++) {
        struct nlattr *item = mnl_attr_nest_start(message, NFTA_LIST_ELEM);
        struct nlattr *key = mnl_attr_nest_start(message, NFTA_SET_ELEM_KEY);
        mnl_attr_put(message, NFTA_DATA_VALUE, key_length, elements[i].key);
        mnl_attr_nest_end(message, key);
        if (elements[i].interval_end) mnl_attr_put_u32(message, NFTA_SET_ELEM_FLAGS, htonl(NFT_SET_ELEM_INTERVAL_END));
        mnl_attr_nest_end(message, item);
    }
    mnl_attr_nest_end(message, list);
    batch->length += message->nlmsg_len;
}

/// `count` elements of one set as messages of at most ELEMENTS_PER_MESSAGE; advances `sequence`.
static void put_all_elements(struct batch *batch, uint16_t type, uint16_t flags, uint32_t *sequence,
                             const char *table, const char *set, uint32_t key_length,
                             const cfnl_element *elements, size_t count) {
    for (size_t at = 0; at < count; at += ELEMENTS_PER_MESSAGE) {
        size_t n = count - at < ELEMENTS_PER_MESSAGE ? count - at : ELEMENTS_PER_MESSAGE;
        put_elements(batch, type, flags, (*sequence)++, table, set, key_length, elements + at, n);
    }
}

/// Every NFTA_SET_ELEM message asks for an ack; the kernel answers each (0 or an errno)
/// while sendto runs, so every answer is queued by the time it returns.
static int collect_answers(struct mnl_socket *nl, char *buffer, size_t size, uint32_t first, uint32_t messages) {
    uint32_t answered = 0;
    int error = 0;
    for (;;) {
        ssize_t received = recv(mnl_socket_get_fd(nl), buffer, size, MSG_DONTWAIT);
        if (received < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return -errno;
        }
        const struct nlmsghdr *message = (const struct nlmsghdr *)buffer;
        int remaining = (int)received;
        for (; mnl_nlmsg_ok(message, remaining); message = mnl_nlmsg_next(message, &remaining)) {
            if (message->nlmsg_type != NLMSG_ERROR) continue;
            if (message->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr))) return -EPROTO;
            const struct nlmsgerr *answer = mnl_nlmsg_get_payload(message);
            if (answer->error != 0 && error == 0) error = answer->error;
            if (message->nlmsg_seq >= first && message->nlmsg_seq < first + messages) answered++;
        }
    }
    if (error) return error;
    return answered == messages ? 0 : -EPROTO;
}

int cfnl_change_inet_sets(const char *table, uint32_t generation, const cfnl_set_changes *changes, size_t count) {
    size_t size = 2 * MESSAGE_SPACE, messages = 0;
    for (size_t i = 0; i < count; i++) {
        if (changes[i].key_length == 0 || changes[i].key_length > sizeof(((cfnl_element *)0)->key)) return -EINVAL;
        size_t per_set = (changes[i].flush ? 1 : 0)
                       + (changes[i].deletion_count + ELEMENTS_PER_MESSAGE - 1) / ELEMENTS_PER_MESSAGE
                       + (changes[i].addition_count + ELEMENTS_PER_MESSAGE - 1) / ELEMENTS_PER_MESSAGE;
        messages += per_set;
        size += (changes[i].deletion_count + changes[i].addition_count) * ELEMENT_SPACE
              + per_set * (MESSAGE_SPACE + strlen(table) + strlen(changes[i].set));
    }
    if (messages == 0) return 0;
    if (size < RECEIVE_BUFFER_SIZE) size = RECEIVE_BUFFER_SIZE;  // answers are read into it too
    struct batch batch_buffer = {malloc(size), 0};
    struct batch *batch = &batch_buffer;
    char *buffer = batch->buffer;
    if (!buffer) return -ENOMEM;
    uint32_t sequence = (uint32_t)time(NULL);
    uint32_t first = sequence + 1;
    put_batch_marker(batch, NFNL_MSG_BATCH_BEGIN, sequence++, generation);
    for (size_t i = 0; i < count; i++) {
        if (changes[i].flush) put_flush(batch, sequence++, table, changes[i].set);
        put_all_elements(batch, NFT_MSG_DELSETELEM, 0, &sequence, table, changes[i].set, changes[i].key_length,
                         changes[i].deletions, changes[i].deletion_count);
    }
    for (size_t i = 0; i < count; i++)
        put_all_elements(batch, NFT_MSG_NEWSETELEM, NLM_F_CREATE, &sequence, table, changes[i].set,
                         changes[i].key_length, changes[i].additions, changes[i].addition_count);
    put_batch_marker(batch, NFNL_MSG_BATCH_END, sequence, 0);
    size_t length = batch->length;

    int result = 0;
    struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
    if (!nl) {
        free(buffer);
        return -errno;
    }
    // The whole batch goes in one sendto, so the socket must accept a message this large.
    int send_buffer = (int)length + 4096;
    if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &send_buffer, sizeof send_buffer) < 0)
        (void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
    // Acks carry only the acked header, not the whole message back.
    int one = 1;
    (void)setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    // Every ack is queued while sendto runs, before we read any: the receive buffer must
    // hold them all, or the kernel drops the rest and recv fails with ENOBUFS (seen at
    // ~147k prefixes with the default 208 KiB). Each ack is a small skb whose accounted
    // size (truesize) is under ACK_SPACE bytes.
    int receive_buffer = (int)(messages * ACK_SPACE) + RECEIVE_BUFFER_SIZE;
    if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer) < 0)
        (void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        result = -errno;
    } else if (mnl_socket_sendto(nl, buffer, length) < 0) {
        result = -errno;
    } else {
        result = collect_answers(nl, buffer, size, first, (uint32_t)messages);
    }
    mnl_socket_close(nl);
    free(buffer);
    return result;
}
