#!/usr/bin/env python3
"""Times two commands in alternation (A B A B ...), so a machine whose speed drifts moves
both alike: the medians of each and the median of the per-round ratios A/B.

    scripts/bench-pair.py [--rounds N] [--warmup N] [--json FILE] -- 'COMMAND A' 'COMMAND B'

Each command is split as a shell splits words and run without a shell, output discarded;
wall time from just before the spawn to the reaped exit, CPU time from the kernel's
accounting of the child (wait4). A command that exits non-zero ends the run (exit 1).
"""
import argparse, json, os, shlex, statistics, subprocess, sys, time


def run(argv):
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"bench-pair: {shlex.join(argv)} exited {child.returncode}: {child.stderr.read().decode(errors='replace').strip()}")
    child.stderr.close()
    return wall * 1000, (usage.ru_utime + usage.ru_stime) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json")
    parser.add_argument("a")
    parser.add_argument("b")
    args = parser.parse_args()
    if args.rounds < 10:
        parser.error("--rounds: at least 10")
    a, b = shlex.split(args.a), shlex.split(args.b)
    for _ in range(args.warmup):
        run(a), run(b)
    rows = [(run(a), run(b)) for _ in range(args.rounds)]
    result = {
        "rounds": args.rounds,
        "a_wall_ms": statistics.median(ra[0] for ra, _ in rows),
        "b_wall_ms": statistics.median(rb[0] for _, rb in rows),
        "a_cpu_ms": statistics.median(ra[1] for ra, _ in rows),
        "b_cpu_ms": statistics.median(rb[1] for _, rb in rows),
        "ratio": statistics.median(ra[0] / rb[0] for ra, rb in rows),
        "ratio_min": min(ra[0] / rb[0] for ra, rb in rows),
        "ratio_max": max(ra[0] / rb[0] for ra, rb in rows),
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f)
    print("%d rounds: A %.1f ms (cpu %.1f), B %.1f ms (cpu %.1f), A/B median %.2f× (min %.2f×, max %.2f×)" % (
        args.rounds, result["a_wall_ms"], result["a_cpu_ms"], result["b_wall_ms"], result["b_cpu_ms"],
        result["ratio"], result["ratio_min"], result["ratio_max"]))


if __name__ == "__main__":
    main()
