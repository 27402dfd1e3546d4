#!/usr/bin/env python3
"""Generates the benchmark lists for scripts/bench (deterministic, seed 2024).

Every prefix passes cfsync's guards: public /24s inside whole /8s that hold no
special-purpose range, no host bits.

  v4-N.txt         N unique /24s, sorted, already aggregated (the third octet is
                   always even, so no two are siblings): N = 1k, 10k, 100k.
                   What cfsync installs is exactly this list, so the native
                   scripts can load the same elements.
  v4-N-chP.txt     v4-N with P per mille of its prefixes withdrawn and as many
                   new ones added (P/10 % change), sorted.
  v4-1m.txt        1,000,000 random /24s in random order, duplicates and
                   mergeable siblings included: the parse + aggregate input.
  v4-rand-N.txt    N random public prefixes of mixed lengths (/12 to /28, mostly /24,
                   as in routing tables) over every public /8, sorted; no two overlap
                   or are siblings, so cfsync installs exactly this list. On kernel 6.18
                   nft -f and set dumps cost about twice as much for such a list as for
                   the regular /24s of v4-N: N = 100k, 1m.
  v4-rand-N-ch10.txt  v4-rand-N with 1% withdrawn and as many new ones added.

It also writes the native tools' equivalent of what cfsync does with a list:

  bench-lists.py lists OUTDIR
  bench-lists.py nft-create V4FILE [V6FILE]   table + sets declared with their elements + chain + rules
                                              (nft's fastest form of a first apply)
  bench-lists.py nft-create-separate V4FILE [V6FILE]
                                              the same with `add element` after the declarations
                                              (cfsync's script for a first apply, as one transaction)
  bench-lists.py nft-restore V4FILE [V6FILE]  the same, replacing an existing table
  bench-lists.py nft-replace NEWFILE          flush set + add every element, one transaction
  bench-lists.py nft-delta OLDFILE NEWFILE    delete withdrawn + add new elements, one transaction
  bench-lists.py iptables V4FILE              iptables-restore --noflush: own chain, a rule per prefix
  bench-lists.py ipset V4FILE                 ipset restore: one hash:net set
"""
import random
import sys

# /8s that overlap a special-purpose range (or are not unicast) are skipped whole.
SPECIAL_SLASH8 = {0, 10, 100, 127, 169, 172, 192, 198, 203} | set(range(224, 256))
PUBLIC_SLASH8 = [a for a in range(1, 224) if a not in SPECIAL_SLASH8]


def text(n):
    return "%d.%d.%d.0/24" % (n >> 16, (n >> 8) & 0xFF, n & 0xFF)


def random_unaggregatable(rng, count, taken):
    """`count` distinct /24s (as 24-bit network numbers) with an even third octet, not in `taken`."""
    out = set()
    while len(out) < count:
        n = rng.choice(PUBLIC_SLASH8) << 16 | rng.randrange(256) << 8 | rng.randrange(0, 256, 2)
        if n not in taken and n not in out:
            out.add(n)
    return out


# Prefix lengths of the mixed list and their weights (roughly a routing table's).
MIXED_LENGTHS = [(12, 1), (14, 1), (16, 4), (18, 3), (19, 4), (20, 6), (21, 6), (22, 12), (23, 10), (24, 48),
                 (25, 1), (26, 1), (27, 1), (28, 2)]


class MixedPrefixes:
    """Disjoint, non-sibling IPv4 prefixes as (network, length): each taken prefix marks its
    ancestors, so a candidate that covers one, lies inside one or is the sibling of one is
    refused in O(32)."""

    def __init__(self):
        self.taken = set()
        self.ancestors = set()

    def fits(self, network, length):
        if (network, length) in self.ancestors:
            return False
        for l in range(8, length + 1):
            if (network >> (32 - l) << (32 - l), l) in self.taken:
                return False
        return (network ^ (1 << (32 - length)), length) not in self.taken

    def add(self, network, length):
        self.taken.add((network, length))
        for l in range(8, length):
            self.ancestors.add((network >> (32 - l) << (32 - l), l))

    def remove(self, network, length):
        self.taken.discard((network, length))

    def random(self, rng, count):
        lengths = [l for l, w in MIXED_LENGTHS for _ in range(w)]
        out = []
        while len(out) < count:
            length = rng.choice(lengths)
            network = rng.choice(PUBLIC_SLASH8) << 24 | rng.getrandbits(24) >> (32 - length) << (32 - length)
            if self.fits(network, length):
                self.add(network, length)
                out.append((network, length))
        return out


def mixed_text(prefix):
    network, length = prefix
    return "%d.%d.%d.%d/%d" % (network >> 24, (network >> 16) & 0xFF, (network >> 8) & 0xFF, network & 0xFF, length)


def write_mixed(path, prefixes):
    with open(path, "w") as f:
        f.write("\n".join(mixed_text(p) for p in sorted(prefixes)))


def write(path, networks):
    with open(path, "w") as f:
        # No trailing newline, as Cloudflare publishes its lists.
        f.write("\n".join(text(n) for n in networks))


def lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


NFT_TABLE = "inet cfsync"
DPORT = "tcp dport { 80, 443 }"


def nft_create(v4, v6=None, separate=False):
    families = [("ipv4", "allow_v4", "ipv4_addr", "ip", v4)]
    if v6:
        families.append(("ipv6", "allow_v6", "ipv6_addr", "ip6", v6))
    out = ["add table %s" % NFT_TABLE]
    for _, name, kind, _, path in families:
        elements = "" if separate else " elements = { %s };" % ", ".join(lines(path))
        out.append("add set %s %s { type %s; flags interval;%s }" % (NFT_TABLE, name, kind, elements))
    out.append("add chain %s input { type filter hook input priority filter - 10; policy accept; }" % NFT_TABLE)
    out.append('add rule %s input iifname "lo" accept' % NFT_TABLE)
    for _, name, _, saddr, _ in families:
        out.append("add rule %s input %s %s saddr @%s accept" % (NFT_TABLE, DPORT, saddr, name))
    for family, _, _, _, _ in families:
        out.append("add rule %s input meta nfproto %s %s drop" % (NFT_TABLE, family, DPORT))
    for _, name, _, _, path in families:
        if separate:
            out.append("add element %s %s { %s }" % (NFT_TABLE, name, ", ".join(lines(path))))
    return "\n".join(out) + "\n"


def nft_delta(old, new):
    before, after = lines(old), lines(new)
    gone, kept = set(before) - set(after), set(before)
    withdrawn = [p for p in before if p in gone]
    added = [p for p in after if p not in kept]
    out = ""
    if withdrawn:
        out += "delete element %s allow_v4 { %s }\n" % (NFT_TABLE, ", ".join(withdrawn))
    if added:
        out += "add element %s allow_v4 { %s }\n" % (NFT_TABLE, ", ".join(added))
    return out


def iptables(v4):
    out = ["*filter", ":CFSYNC-INPUT - [0:0]"]
    out += ["-A CFSYNC-INPUT -s %s -j ACCEPT" % p for p in lines(v4)]
    out += ["-A CFSYNC-INPUT -j DROP", "-A INPUT -p tcp -m multiport --dports 80,443 -j CFSYNC-INPUT", "COMMIT"]
    return "\n".join(out) + "\n"


def ipset(v4):
    prefixes = lines(v4)
    out = ["create cfsync_bench hash:net family inet hashsize 65536 maxelem %d" % max(65536, 2 * len(prefixes))]
    out += ["add cfsync_bench %s" % p for p in prefixes]
    return "\n".join(out) + "\n"


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "lists":
        return write_lists(args[0])
    if command == "nft-create":
        text = nft_create(*args)
    elif command == "nft-create-separate":
        text = nft_create(*args, separate=True)
    elif command == "nft-restore":
        text = "add table %s\ndelete table %s\n" % (NFT_TABLE, NFT_TABLE) + nft_create(*args)
    elif command == "nft-replace":
        text = "flush set %s allow_v4\nadd element %s allow_v4 { %s }\n" % (NFT_TABLE, NFT_TABLE, ", ".join(lines(args[0])))
    elif command == "nft-delta":
        text = nft_delta(*args)
    elif command == "iptables":
        text = iptables(args[0])
    elif command == "ipset":
        text = ipset(args[0])
    else:
        sys.exit("bench-lists.py: unknown command %s" % command)
    sys.stdout.write(text)


def write_lists(outdir):
    rng = random.Random(2024)
    for name, size in (("1k", 1_000), ("10k", 10_000), ("100k", 100_000)):
        base = random_unaggregatable(rng, size, set())
        write("%s/v4-%s.txt" % (outdir, name), sorted(base))
        for per_mille in (1, 10, 50, 100, 250, 500):
            k = size * per_mille // 1000
            if k == 0:
                continue
            withdrawn = set(rng.sample(sorted(base), k))
            added = random_unaggregatable(rng, k, base)
            write("%s/v4-%s-ch%d.txt" % (outdir, name, per_mille), sorted((base - withdrawn) | added))
    million = [rng.choice(PUBLIC_SLASH8) << 16 | rng.randrange(65536) for _ in range(1_000_000)]
    write("%s/v4-1m.txt" % outdir, million)
    for name, size in (("100k", 100_000), ("1m", 1_000_000)):
        pool = MixedPrefixes()
        base = pool.random(rng, size)
        write_mixed("%s/v4-rand-%s.txt" % (outdir, name), base)
        withdrawn = set(rng.sample(base, size // 100))
        # Withdrawn ones stay taken: a new prefix must not be a sibling of a kept one either.
        added = pool.random(rng, size // 100)
        write_mixed("%s/v4-rand-%s-ch10.txt" % (outdir, name), [p for p in base if p not in withdrawn] + added)


if __name__ == "__main__":
    main()
