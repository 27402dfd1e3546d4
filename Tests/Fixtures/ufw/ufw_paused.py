#!/usr/bin/python3
"""A ufw command caught in the middle of its change, for cfsync's lock tests.

Usage: ufw_paused.py SECONDS [UFW ARGUMENTS...]

With arguments it runs /usr/sbin/ufw exactly (ufw 0.36: read the rules files, take
/run/ufw.lock with fcntl.lockf, change the rules, write and load them, release), except
that it pauses SECONDS right after taking the lock. Without arguments it only takes the
lock and holds it for SECONDS. Prints "locked" once it holds the lock. Exits when its
parent process dies.
"""

import os
import runpy
import sys
import threading
import time

import ufw.util


def watch_parent():
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def main():
    seconds = float(sys.argv[1])
    arguments = sys.argv[2:]
    threading.Thread(target=watch_parent, daemon=True).start()
    take = ufw.util.create_lock

    def paused(lockfile="/run/ufw.lock", dryrun=False):
        lock = take(lockfile=lockfile, dryrun=dryrun)
        print("locked", flush=True)
        time.sleep(seconds)
        return lock

    if not arguments:
        paused()
        return
    # /usr/sbin/ufw imports create_lock from ufw.util when it starts, so it gets this one.
    ufw.util.create_lock = paused
    sys.argv = ["/usr/sbin/ufw"] + arguments
    runpy.run_path("/usr/sbin/ufw", run_name="__main__")


if __name__ == "__main__":
    main()
