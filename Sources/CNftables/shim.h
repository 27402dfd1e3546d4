#ifndef CFSYNC_CNFTABLES_SHIM_H
#define CFSYNC_CNFTABLES_SHIM_H
#include <nftables/libnftables.h>
#endif
