#!/usr/bin/env python3
"""Local HTTP server for cfsync tests: serves list files and misbehaves on demand.

Usage: listserver.py --root DIR [--bind 127.0.0.1] [--port 0] [--verbose]
                     [--tls CERT KEY]

Prints exactly "listening <port>" on stdout once ready; everything else goes to
stderr. Exits on SIGTERM, and also when its parent process dies (so a crashed
test run does not leave servers behind; --no-parent-watch turns that off).

--tls CERT KEY serves https instead of http, with that PEM certificate chain and
key (Tests/Fixtures/tls holds a self-signed pair for 127.0.0.1, which cfsync must
reject). The handshake runs on the connection's own thread; a client that aborts
it (as cfsync does on that certificate) is dropped quietly and the server goes on.

Paths (GET only):
  /<file>                  the file under --root, with a strong ETag; 304 when
                           If-None-Match matches
  /status/<code>           that status with a small HTML body
  /slow/<seconds>/<file>   sleeps, then serves <file> as above
  /big/<bytes>             200 with <bytes> bytes of "104.16.0.0/13\\n" lines,
                           chunked, no Content-Length (add ?content-length=1
                           to announce the length instead)
  /html                    200 with an HTML page (what a captive portal or a
                           CDN error page looks like)
  /stall/<file>            headers (full Content-Length) and half the body,
                           then 60 s of silence
  /redirect/<code>?to=URL  that status (301, 302, 307, 308) with Location: URL
"""

import argparse
import hashlib
import http.server
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse

BIG_LINE = b"104.16.0.0/13\n"
HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Attention Required!</title></head>\n"
    b"<body><h1>Sorry, you have been blocked</h1></body></html>\n"
)


def etag_for(body):
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(header, etag):
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2)."""
    if header is None:
        return False
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*":
            return True
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == etag:
            return True
    return False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "listserver/1"
    root = "."
    verbose = False

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("listserver: " + (fmt % args) + "\n")

    def do_GET(self):
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (size limit, timeout): expected in tests

    def route(self):
        parsed = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in parsed.path.split("/") if p]
        query = urllib.parse.parse_qs(parsed.query)
        if parts[:1] == ["status"] and len(parts) == 2 and parts[1].isdigit():
            self.send_status(int(parts[1]))
        elif parts[:1] == ["slow"] and len(parts) >= 3:
            try:
                delay = float(parts[1])
            except ValueError:
                return self.send_status(400)
            time.sleep(delay)
            self.send_file(parts[2:])
        elif parts[:1] == ["big"] and len(parts) == 2 and parts[1].isdigit():
            self.send_big(int(parts[1]), query.get("content-length") == ["1"])
        elif parts == ["html"]:
            self.send_body(200, HTML_PAGE, "text/html; charset=utf-8")
        elif parts[:1] == ["stall"] and len(parts) >= 2:
            self.send_stall(parts[1:])
        elif parts[:1] == ["redirect"] and len(parts) == 2 and parts[1].isdigit() and "to" in query:
            self.send_body(int(parts[1]), b"moved\n", "text/plain", {"Location": query["to"][0]})
        else:
            self.send_file(parts)

    def resolve(self, parts):
        """The file under root for these path parts, or None (also for escapes)."""
        if not parts or any(p in ("", ".", "..") for p in parts):
            return None
        root = os.path.realpath(self.root)
        path = os.path.realpath(os.path.join(root, *parts))
        if not path.startswith(root + os.sep) or not os.path.isfile(path):
            return None
        return path

    def read_file(self, parts):
        path = self.resolve(parts)
        if path is None:
            return None
        with open(path, "rb") as f:
            return f.read()

    def send_file(self, parts):
        body = self.read_file(parts)
        if body is None:
            return self.send_status(404)
        etag = etag_for(body)
        if etag_matches(self.headers.get("If-None-Match"), etag):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_body(200, body, "text/plain; charset=utf-8", {"ETag": etag})

    def send_body(self, code, body, content_type, extra=None):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_status(self, code):
        body = b"<html><body><h1>%d</h1></body></html>\n" % code
        if code == 304 or code < 200:
            self.send_response(code)
            self.end_headers()
            return
        self.send_body(code, body, "text/html; charset=utf-8")

    def send_big(self, size, announce_length):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        if announce_length:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        block = BIG_LINE * 4096
        remaining = size
        while remaining > 0:
            chunk = block[:remaining]
            remaining -= len(chunk)
            if announce_length:
                self.wfile.write(chunk)
            else:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        if not announce_length:
            self.wfile.write(b"0\r\n\r\n")

    def send_stall(self, parts):
        body = self.read_file(parts)
        if body is None:
            return self.send_status(404)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        time.sleep(60)
        self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # exit on SIGTERM even while /stall or /slow sleeps
    allow_reuse_address = True

    def __init__(self, address, handler):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def enable_tls(self, cert, key):
        """Wraps the listening socket; accepted sockets are TLS, handshake deferred."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        # Not on accept(): that runs on the serving thread, where a client that stalls
        # or aborts the handshake would hold up (or, uncaught, end) the server.
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def finish_request(self, request, client_address):
        if isinstance(request, ssl.SSLSocket):
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError):
                return  # the client rejected the certificate or hung up: expected in tests
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        # Clients that hang up early (size limit, timeout, refused certificate) are the
        # point of the tests.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, TimeoutError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)


def watch_parent():
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def main():
    parser = argparse.ArgumentParser(description="cfsync test list server")
    parser.add_argument("--root", required=True)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--no-parent-watch", action="store_true")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
                        help="serve https with this PEM certificate chain and key")
    args = parser.parse_args()

    if not os.path.isdir(args.root):
        sys.stderr.write("listserver: --root %s: not a directory\n" % args.root)
        return 2
    Handler.root = args.root
    Handler.verbose = args.verbose
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = Server((args.bind, args.port), Handler)
    if args.tls:
        try:
            server.enable_tls(*args.tls)
        except (OSError, ssl.SSLError) as error:
            sys.stderr.write("listserver: --tls: %s\n" % error)
            server.server_close()
            return 2
    if not args.no_parent_watch:
        threading.Thread(target=watch_parent, daemon=True).start()
    sys.stdout.write("listening %d\n" % server.server_address[1])
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
