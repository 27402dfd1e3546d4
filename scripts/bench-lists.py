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

usage: bench-lists.py OUTDIR
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


def write(path, networks):
    with open(path, "w") as f:
        # No trailing newline, as Cloudflare publishes its lists.
        f.write("\n".join(text(n) for n in networks))


def main():
    outdir = sys.argv[1]
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


if __name__ == "__main__":
    main()
