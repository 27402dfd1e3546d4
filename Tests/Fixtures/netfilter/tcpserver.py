#!/usr/bin/env python3
"""TCP listener for cfsync's netfilter tests: stands in for the origin's services.

Usage: tcpserver.py --ports 80,443,22 [--bind ::]

Listens on every port (dual-stack when bound to "::"), accepts each connection,
sends one byte ("+") and closes it. Prints exactly "ready" on stdout once all
ports listen. Exits on SIGTERM and when its parent process dies.
"""

import argparse
import os
import selectors
import signal
import socket
import sys
import threading
import time


def listener(bind, port):
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind((bind, port))
    sock.listen(512)
    sock.setblocking(False)
    return sock


def watch_parent():
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def main():
    parser = argparse.ArgumentParser(description="cfsync test TCP listener")
    parser.add_argument("--ports", required=True, help="comma-separated tcp ports")
    parser.add_argument("--bind", default="::")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Thread(target=watch_parent, daemon=True).start()
    selector = selectors.DefaultSelector()
    for port in [int(p) for p in args.ports.split(",") if p]:
        selector.register(listener(args.bind, port), selectors.EVENT_READ)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        for key, _ in selector.select():
            try:
                conn, _ = key.fileobj.accept()
            except (BlockingIOError, ConnectionAbortedError):
                continue
            try:
                conn.setblocking(True)
                conn.settimeout(1)
                conn.sendall(b"+")
            except OSError:
                pass
            finally:
                conn.close()


if __name__ == "__main__":
    sys.exit(main())
