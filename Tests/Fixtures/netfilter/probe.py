#!/usr/bin/env python3
"""TCP connect probes for cfsync's netfilter tests (run inside the client namespace).

  probe.py once --source ADDR --dest ADDR --port N [--timeout 1]
      One connect from ADDR. Prints exactly one word and exits with its code:
      "connected" 0, "timeout" 1 (no answer: the SYN was dropped), "refused" 2
      (RST), "error <text>" 3.

  probe.py continuous --source ADDR --dest ADDR --port N [--interval 0.02] [--timeout 0.5]
      Connects every --interval seconds until SIGTERM (or stdin closes), then
      prints one JSON object: {"attempts": n, "connected": n, "failed": n,
      "failures": [{"at": seconds since start, "result": word}, ...],
      "connected_at": [seconds since start, ...]} (the first 50 failures, the
      first 500 connects).
      Prints "started" on stderr after the first attempt finished.
"""

import argparse
import errno
import json
import signal
import socket
import sys
import threading
import time


def attempt(source, dest, port, timeout):
    family = socket.AF_INET6 if ":" in dest else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.bind((source, 0))
        sock.settimeout(timeout)
        sock.connect((dest, port))
        return "connected"
    except socket.timeout:
        return "timeout"
    except ConnectionRefusedError:
        return "refused"
    except OSError as error:
        if error.errno in (errno.ETIMEDOUT, errno.EHOSTUNREACH):
            return "timeout"
        return "error " + str(error).replace("\n", " ")
    finally:
        sock.close()


CODES = {"connected": 0, "timeout": 1, "refused": 2}


def once(args):
    result = attempt(args.source, args.dest, args.port, args.timeout)
    print(result)
    return CODES.get(result, 3)


def continuous(args):
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def watch_stdin():
        try:
            sys.stdin.read()
        except Exception:
            pass
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    start = time.monotonic()
    attempts = connected = 0
    failures = []
    connected_at = []
    announced = False
    while not stop.is_set():
        began = time.monotonic()
        result = attempt(args.source, args.dest, args.port, args.timeout)
        attempts += 1
        if result == "connected":
            connected += 1
            if len(connected_at) < 500:
                connected_at.append(round(began - start, 3))
        else:
            failures.append({"at": round(began - start, 3), "result": result})
        if not announced:
            sys.stderr.write("started\n")
            sys.stderr.flush()
            announced = True
        remaining = args.interval - (time.monotonic() - began)
        if remaining > 0:
            stop.wait(remaining)
    print(json.dumps({"attempts": attempts, "connected": connected,
                      "failed": len(failures), "failures": failures[:50],
                      "connected_at": connected_at}))
    sys.stdout.flush()
    return 0


def main():
    parser = argparse.ArgumentParser(description="cfsync test TCP probe")
    parser.add_argument("mode", choices=["once", "continuous"])
    parser.add_argument("--source", required=True)
    parser.add_argument("--dest", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("--interval", type=float, default=0.02)
    args = parser.parse_args()
    if args.timeout is None:
        args.timeout = 1.0 if args.mode == "once" else 0.5
    return once(args) if args.mode == "once" else continuous(args)


if __name__ == "__main__":
    sys.exit(main())
