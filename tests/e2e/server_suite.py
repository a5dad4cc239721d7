"""End-to-end tests for any sample server binary (docs/sample-server.md).

    python3 server_suite.py --server build/debug/adapters/epoll/wirestate-epoll

Real clients (curl, wrk, http.client, raw sockets) against a real server on
loopback. The same suite runs against every adapter's binary.
"""
import argparse
import asyncio
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from harness import Server, exchange, read_response, read_response_from

SERVER = None  # the binary under test, from the command line
DENY_IO_URING = None  # runs a program with io_uring denied


def curl(*args, timeout=20):
    return subprocess.run(["curl", "-s", "--max-time", "15", *args],
                          capture_output=True, timeout=timeout)


class Routes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(SERVER)

    @classmethod
    def tearDownClass(cls):
        cls.assertEqual(unittest.TestCase(), cls.server.stop(), 0)

    def get(self, path, method="GET", body=None, headers=None, chunked=False):
        conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=10)
        conn.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r, data

    def test_every_route_with_curl(self):
        out = curl("-i", self.server.url("/plaintext")).stdout
        self.assertTrue(out.startswith(b"HTTP/1.1 200 OK\r\n"), out)
        self.assertTrue(out.endswith(b"\r\n\r\nHello, World!"), out)
        self.assertIn(b"\r\nContent-Type: text/plain\r\n", out)
        self.assertRegex(out, rb"\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n")
        self.assertIn(b"\r\nServer: ", out)

        payload = os.urandom(300_000)
        r = subprocess.run(["curl", "-s", "--max-time", "15", "--data-binary", "@-", self.server.url("/echo")],
                           input=payload, capture_output=True, timeout=20)
        self.assertEqual(r.stdout, payload)

        self.assertEqual(len(curl(self.server.url("/bytes/1048577")).stdout), 1048577)
        self.assertEqual(len(curl(self.server.url("/stream/200000")).stdout), 200000)
        started = time.monotonic()
        slow = curl(self.server.url("/slow/300")).stdout
        self.assertGreaterEqual(time.monotonic() - started, 0.29)
        self.assertEqual(slow.count(b"tick"), 10)
        r = subprocess.run(["curl", "-s", "--max-time", "15", "--data-binary", "@-", self.server.url("/upload")],
                           input=b"x" * 5000, capture_output=True, timeout=20)
        self.assertEqual(r.stdout, b"received 5000")

    def test_head_on_every_get_route(self):
        for path in ["/plaintext", "/bytes/12345", "/stream/100", "/slow/50"]:
            r, data = self.get(path, "HEAD")
            self.assertEqual(r.status, 200, path)
            self.assertEqual(data, b"", path)
            self.assertIsNotNone(r.getheader("Date"), path)
        r, _ = self.get("/bytes/12345", "HEAD")
        self.assertEqual(r.getheader("Content-Length"), "12345")
        r, _ = self.get("/plaintext", "HEAD")
        self.assertEqual(r.getheader("Content-Length"), "13")

    def test_index_lists_every_route(self):
        r, data = self.get("/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "text/plain")
        for route in [b"/plaintext", b"/echo", b"/bytes/N", b"/stream/N", b"/slow/MS", b"/upload"]:
            self.assertIn(route, data)

    def test_generated_bytes_past_the_cap_are_400_with_the_reason(self):
        r, data = self.get("/bytes/%d" % (4 * 2**30 + 1))
        self.assertEqual(r.status, 400)
        self.assertIn(b"--max-generated-bytes (4294967296)", data)
        r, data = self.get("/stream/99999999999999999999999")
        self.assertEqual(r.status, 400)
        self.assertIn(b"not a number", data)

    def test_not_found_and_wrong_method(self):
        r, _ = self.get("/nothing-here")
        self.assertEqual(r.status, 404)
        r, _ = self.get("/plaintext", "POST", body=b"")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.getheader("Allow"), "GET, HEAD")
        r, _ = self.get("/echo")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.getheader("Allow"), "POST")

    def test_echo_keeps_content_length_or_chunks(self):
        r, data = self.get("/echo", "POST", body=b"abc")
        self.assertEqual(r.getheader("Content-Length"), "3")
        self.assertEqual(data, b"abc")
        r, data = self.get("/echo", "POST", body=iter([b"ab", b"cd"]), chunked=True)
        self.assertEqual(r.getheader("Transfer-Encoding"), "chunked")
        self.assertEqual(data, b"abcd")

    def test_hundred_pipelined_requests_in_one_write(self):
        with self.server.connect() as s:
            s.sendall(b"".join(b"GET /bytes/%d HTTP/1.1\r\nHost: t\r\n\r\n" % i for i in range(100)))
            f = s.makefile("rb")
            for i in range(100):
                status, headers, body = read_response_from(f)
                self.assertEqual(status, 200)
                self.assertEqual(len(body), i)

    def test_request_one_byte_at_a_time(self):
        req = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
        with self.server.connect() as s:
            for i in range(len(req)):
                s.send(req[i:i + 1])
                time.sleep(0.001)
            status, _, body = read_response(s)
            self.assertEqual((status, body), (200, b"hello"))

    def test_chunked_upload_with_trailers_to_echo(self):
        with self.server.connect() as s:
            s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                      b"Trailer: Checksum\r\n\r\n"
                      b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nChecksum: 123\r\n\r\n")
            status, headers, body = read_response(s)
            self.assertEqual(status, 200)
            self.assertEqual(body, b"hello, world")

    def test_expect_100_continue(self):
        with self.server.connect() as s:
            s.sendall(b"POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            f = s.makefile("rb")
            self.assertEqual(f.readline(), b"HTTP/1.1 100 Continue\r\n")
            self.assertEqual(f.readline(), b"\r\n")
            s.sendall(b"data")
            status, _, body = read_response_from(f)
            self.assertEqual((status, body), (200, b"received 4"))

    def test_connection_close_and_http10(self):
        for req in [b"GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                    b"GET /plaintext HTTP/1.0\r\n\r\n"]:
            out = exchange(self.server, req)  # returns once the server closes
            self.assertTrue(out.startswith(b"HTTP/1.1 200 OK\r\n"), out)
            self.assertIn(b"\r\nConnection: close\r\n", out)
            self.assertTrue(out.endswith(b"Hello, World!"), out)
        with self.server.connect() as s:
            s.sendall(b"GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            status, headers, body = read_response(s)
            self.assertEqual(headers.get("connection"), "keep-alive")
            s.sendall(b"GET /stream/10 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            f = s.makefile("rb")
            status, headers, body = read_response_from(f)
            self.assertEqual(body, b"0123456789")  # delimited by close: no chunked for 1.0

    def test_higher_http1_minor_is_served_as_1_1(self):
        # RFC 9110 section 2.5: persistent by default, answered as HTTP/1.1.
        with self.server.connect() as s:
            f = s.makefile("rb")
            s.sendall(b"GET /plaintext HTTP/1.2\r\nHost: t\r\n\r\n")
            status, headers, body = read_response_from(f)
            self.assertEqual((status, body), (200, b"Hello, World!"))
            self.assertNotEqual(headers.get("connection"), "close")
            s.sendall(b"GET /plaintext HTTP/1.9\r\nHost: t\r\nConnection: close\r\n\r\n")
            out = f.read()  # to the server's close
            self.assertTrue(out.startswith(b"HTTP/1.1 200 OK\r\n"), out)
            self.assertTrue(out.endswith(b"Hello, World!"), out)

    def assert_rejected(self, raw, status):
        out = exchange(self.server, raw)
        self.assertTrue(out.startswith(b"HTTP/1.1 %d " % status), (raw[:80], out[:200]))
        self.assertIn(b"\r\nConnection: close\r\n", out)
        head, _, body = out.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        self.assertEqual(len(body), length, "a second response followed the error")
        self.assertGreater(length, 0, "an error response says what was wrong")

    def test_malformed_and_smuggling_shaped_requests(self):
        bad = [
            b"GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n",
            b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n",
            b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc",
            b"POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\nHost: t\n\n",
            b"GET / HTTP/1.1\r\nX: y\r\n\r\n",
            b"\x00\x01\x02\x03garbage\r\n\r\n",
        ]
        for raw in bad:
            with self.subTest(raw=raw[:60]):
                self.assert_rejected(raw, 400)
        self.assert_rejected(b"GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501)
        self.assert_rejected(b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505)

    def test_rfc_9112_forms_the_sample_server_serves_or_refuses(self):
        # Absolute-form is routed on its path (RFC 9112 section 3.2.2).
        out = exchange(self.server, b"GET http://t:1/plaintext?x HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 200 OK\r\n"), out[:200])
        self.assertTrue(out.endswith(b"Hello, World!"), out[-100:])
        # Valid chunk extensions and OWS as HTAB are served, not refused.
        out = exchange(self.server, b"POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                       b"Transfer-Encoding: chunked \t\r\n\r\n5 ; a = b;c=\"q\\\"\"\r\nhello\r\n0\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 200 OK\r\n"), out[:200])
        self.assertIn(b"hello", out)
        out = exchange(self.server, b"POST /upload HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                       b"Content-Length:\t5\t\r\n\r\nhello")
        self.assertTrue(out.endswith(b"received 5"), out[-200:])
        # A Transfer-Encoding with no coding never lets the length frame a hidden request.
        smuggled = b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n"
        raw = (b"POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: \r\nContent-Length: %d\r\n\r\n"
               % len(smuggled)) + smuggled
        self.assert_rejected(raw, 400)
        self.assertNotIn(b"Hello, World!", exchange(self.server, raw))
        for raw in [b"GET /plaintext HTTP/1.1\r\nHost: a b\r\n\r\n",
                    b"GET /plaintext HTTP/1.1\r\nHost: u@t\r\n\r\n",
                    b"GET * HTTP/1.1\r\nHost: t\r\n\r\n",
                    b"POST /upload HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"]:
            with self.subTest(raw=raw[:60]):
                self.assert_rejected(raw, 400)
        # Targets holding characters RFC 3986 excludes, or a malformed
        # percent-encoding, are an invalid request line (RFC 9112 section 3).
        for target in [b"/a\\b", b"/a|b", b"/a{b}", b'/a"b', b"/a<b>", b"/a^b", b"/a`b", b"/a%zzb"]:
            with self.subTest(target=target):
                raw = b"GET " + target + b" HTTP/1.1\r\nHost: t\r\n\r\n"
                self.assert_rejected(raw, 400)
                self.assertIn(b"request target", exchange(self.server, raw))
        # A request line without a version is answered at once, the
        # connection still open on our side.
        with self.server.connect() as s:
            s.sendall(b"GET /plaintext\r\n")
            out = s.makefile("rb").read()
            self.assertTrue(out.startswith(b"HTTP/1.1 400 "), out[:200])
            self.assertIn(b"without an HTTP version", out)

    def test_oversized_line_headers_and_body(self):
        self.assert_rejected(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414)
        self.assert_rejected(b"GET / HTTP/1.1\r\nHost: t\r\nX: " + b"v" * 20000 + b"\r\n\r\n", 431)
        self.assert_rejected(b"GET / HTTP/1.1\r\nHost: t\r\n" +
                             b"".join(b"X-%d: v\r\n" % i for i in range(150)) + b"\r\n", 431)
        # The error names the problem in the client's terms, not a setting.
        out = exchange(self.server, b"GET / HTTP/1.1\r\nHost: t\r\nX: " + b"v" * 20000 + b"\r\n\r\n")
        self.assertIn(b"request header fields too large", out)
        self.assertNotIn(b"max_", out)
        self.assert_rejected(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n", 413)
        chunk = b"100000\r\n" + b"u" * 0x100000 + b"\r\n"
        self.assert_rejected(b"POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                             chunk * 2, 413)


class Backpressure(unittest.TestCase):
    def test_rate_limited_stream_keeps_memory_flat(self):
        server = Server(SERVER)
        try:
            curl(server.url("/plaintext"))
            baseline = server.rss_kib()
            proc = subprocess.Popen(["curl", "-s", "--limit-rate", "1M", "--max-time", "4", "-o", "/dev/null",
                                     server.url("/stream/52428800")])
            peak = baseline
            deadline = time.monotonic() + 6
            while proc.poll() is None and time.monotonic() < deadline:
                peak = max(peak, server.rss_kib())
                time.sleep(0.1)
            proc.wait(timeout=5)
            growth_kib = peak - baseline
            print(f"\n  /stream/52428800 at 1 MiB/s: RSS {baseline} KiB -> peak {peak} KiB", file=sys.stderr)
            self.assertLess(growth_kib, 4096)
        finally:
            self.assertEqual(server.stop(), 0)


class ClientGone(unittest.TestCase):
    def test_disconnects_mid_request_upload_and_response(self):
        server = Server(SERVER)
        try:
            self.assertEqual(exchange(server, b"GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")[-13:],
                             b"Hello, World!")
            baseline = server.fd_count()
            for _ in range(20):
                with server.connect() as s:  # mid-head
                    s.sendall(b"GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Half")
                with server.connect() as s:  # mid-upload
                    s.sendall(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + b"u" * 1000)
                with server.connect() as s:  # mid-response
                    s.sendall(b"GET /bytes/100000000 HTTP/1.1\r\nHost: t\r\n\r\n")
                    s.recv(10000)
                with server.connect() as s:  # mid-echo, reset instead of FIN
                    s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n" + b"e" * 50000)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            out = curl(server.url("/plaintext")).stdout
            self.assertEqual(out, b"Hello, World!")
            self.assertTrue(server.wait_for_fds(baseline, timeout=8),
                            f"fds: {server.fd_count()} open, {baseline} before")
        finally:
            self.assertEqual(server.stop(), 0)


class Overload(unittest.TestCase):
    def test_past_max_connections_get_503_with_retry_after(self):
        server = Server(SERVER, "--max-connections", "100")
        socks = []
        try:
            for _ in range(150):
                socks.append(server.connect(timeout=10))
            statuses = []
            for s in socks:
                try:
                    s.sendall(b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
            for s in socks:
                r = read_response(s)
                statuses.append(r[0] if r else None)
                if r and r[0] == 503:
                    self.assertEqual(r[1].get("retry-after"), "5")
                    self.assertEqual(r[1].get("connection"), "close")
            self.assertEqual(statuses.count(200), 100, statuses)
            self.assertEqual(statuses.count(503), 50, statuses)
        finally:
            for s in socks:
                s.close()
            self.assertEqual(server.stop(), 0)


    # UBSan probes memory through a pipe; with every descriptor taken its
    # vptr check misfires, so sanitized builds skip this one.
    @unittest.skipIf(os.environ.get("WIRESTATE_SANITIZED"), "sanitizers need spare descriptors")
    def test_out_of_descriptors_gets_503_not_a_spin(self):
        # 48 descriptors: a few for the process, the rest for connections.
        server = Server(SERVER, "--threads", "1", max_fds=48)
        socks = []
        try:
            for _ in range(80):
                socks.append(server.connect(timeout=10))
            statuses = []
            for s in socks:
                try:
                    s.sendall(b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
            for s in socks:
                try:
                    r = read_response(s)
                except (ConnectionResetError, TimeoutError):
                    r = None
                statuses.append(r[0] if r else None)
            self.assertGreater(statuses.count(200), 20, statuses)
            self.assertGreater(statuses.count(503), 10, statuses)
            self.assertEqual(statuses.count(200) + statuses.count(503), 80, statuses)
            # The server still answers once descriptors are free again.
            for s in socks:
                s.close()
            socks = []
            time.sleep(0.5)
            self.assertEqual(curl(server.url("/plaintext")).stdout, b"Hello, World!")
        finally:
            for s in socks:
                s.close()
            self.assertEqual(server.stop(), 0)


class Stats(unittest.TestCase):
    """GET /stats: the loops' counters, in Prometheus text format, equal to
    what the clients sent. Each loop publishes its counters once a second,
    so the test waits that long before it reads them."""

    def scrape(self, server):
        conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
        conn.request("GET", "/stats")
        r = conn.getresponse()
        text = r.read().decode()
        conn.close()
        self.assertEqual(r.status, 200)
        self.assertTrue(r.getheader("content-type").startswith("text/plain; version=0.0.4"))
        totals = {}
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            m = re.fullmatch(r'(\w+)\{loop="\d+"(?:,(.*))?\} (\d+)', line)
            self.assertTrue(m, line)
            key = (m.group(1), m.group(2) or "")
            totals[key] = totals.get(key, 0) + int(m.group(3))
        return totals

    def test_counts_what_the_clients_sent(self):
        server = Server(SERVER, "--max-connections", "20")
        idle = []
        try:
            def status(raw):
                return int(exchange(server, raw).split(b" ", 2)[1])
            for _ in range(10):
                self.assertEqual(status(b"GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"), 200)
            self.assertEqual(status(b"GET /missing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"), 404)
            big = b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"
            self.assertEqual(status(big), 431)
            # Twenty idle connections fill the budget (once both loops have
            # accepted them all); five more are turned away.
            before = server.fd_count()
            idle = [server.connect() for _ in range(20)]
            deadline = time.monotonic() + 10
            while server.fd_count() < before + 20 and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertGreaterEqual(server.fd_count(), before + 20)
            turned = []
            for _ in range(5):
                with server.connect() as s:
                    r = read_response(s)
                    turned.append(r[0] if r else None)
            self.assertEqual(turned, [503] * 5)
            for s in idle:
                s.close()
            idle = []
            time.sleep(1.5)  # every loop has published since
            t = self.scrape(server)
            self.assertEqual(t[("wirestate_requests_total", "")], 12)  # the scrape itself is the twelfth
            self.assertEqual(t[("wirestate_responses_total", 'class="2xx"')], 10)
            self.assertEqual(t[("wirestate_responses_total", 'class="4xx"')], 2)
            self.assertEqual(t[("wirestate_responses_total", 'class="5xx"')], 0)
            self.assertEqual(t[("wirestate_automatic_responses_total", 'error="header_too_large"')], 1)
            self.assertEqual(t[("wirestate_automatic_responses_total", 'error="bad_request"')], 0)
            self.assertEqual(t[("wirestate_connections_turned_away_total", "")], 5)
            self.assertEqual(t[("wirestate_connections_accepted_total", "")], 10 + 1 + 1 + 20 + 5 + 1)
            self.assertEqual(t[("wirestate_connections_handled_total", "")], 10 + 1 + 1 + 20 + 1)
            self.assertGreaterEqual(t[("wirestate_connections", 'state="writing"')], 1)  # the scrape
            self.assertEqual(t[("wirestate_connections", 'state="reading"')], 0)
            self.assertGreater(t[("wirestate_received_bytes_total", "")], 10 * 40 + 20000)
            self.assertGreater(t[("wirestate_sent_bytes_total", "")], 10 * 13)
        finally:
            for s in idle:
                s.close()
            self.assertEqual(server.stop(), 0)


class Concurrency(unittest.TestCase):
    def test_500_concurrent_slow_requests(self):
        server = Server(SERVER)
        completions = []

        async def client(until):
            reader, writer = await asyncio.open_connection(server.host, server.port)
            try:
                while time.monotonic() < until:
                    writer.write(b"GET /slow/2000 HTTP/1.1\r\nHost: t\r\n\r\n")
                    await writer.drain()
                    while True:  # chunked body: ends with the last chunk
                        line = await reader.readline()
                        if not line:
                            return
                        if line == b"0\r\n":
                            await reader.readline()
                            break
                    completions.append(time.monotonic())
            finally:
                writer.close()

        async def main():
            start = time.monotonic()
            await asyncio.wait_for(asyncio.gather(*(client(start + 6.5) for _ in range(500))), timeout=20)
            return start

        try:
            start = asyncio.run(main())
            # Each connection completes one request every 2 s; in the steady
            # window [2.5 s, 6.5 s] that is 2 requests per connection.
            in_window = [t for t in completions if start + 2.5 <= t < start + 6.5]
            rate = len(in_window) / 4.0
            print(f"\n  500 x /slow/2000: {rate:.1f} req/s in the steady window (theory 250)", file=sys.stderr)
            self.assertGreaterEqual(rate, 0.95 * 250)
        finally:
            self.assertEqual(server.stop(), 0)


class Wrk(unittest.TestCase):
    @unittest.skipUnless(shutil.which("wrk"), "wrk is not installed")
    def test_short_wrk_run_has_no_socket_errors(self):
        server = Server(SERVER)
        try:
            out = subprocess.run(["wrk", "-t2", "-c64", "-d2s", server.url("/plaintext")],
                                 capture_output=True, text=True, timeout=30).stdout
            print("\n" + out, file=sys.stderr)
            self.assertIn("Requests/sec", out)
            self.assertNotIn("Socket errors", out)
            self.assertNotIn("Non-2xx", out)
        finally:
            self.assertEqual(server.stop(), 0)


class CommandLine(unittest.TestCase):
    """The flags a user meets first: --help, a port already taken, the cap
    on generated bytes."""

    def test_help_lists_flags_and_routes(self):
        proc = subprocess.run([SERVER, "--help"], capture_output=True, text=True, timeout=10)
        self.assertEqual(proc.returncode, 0)
        for word in ["--reuse-port", "--max-generated-bytes", "/plaintext", "/echo", "/bytes/N", "/slow/MS"]:
            self.assertIn(word, proc.stdout)

    def test_a_port_in_use_is_refused_unless_shared(self):
        first = Server(SERVER)
        try:
            proc = subprocess.run([SERVER, "--host", "127.0.0.1", "--port", str(first.port), "--quiet"],
                                  capture_output=True, text=True, timeout=10)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("address already in use", proc.stderr)
            second = Server(SERVER, "--reuse-port")  # port 0: never refused
            self.assertEqual(second.stop(), 0)
            shared = subprocess.Popen([SERVER, "--host", "127.0.0.1", "--port", str(first.port), "--quiet",
                                       "--reuse-port"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                self.assertIn("listening on", shared.stdout.readline())
            finally:
                shared.terminate()
                shared.wait(timeout=10)
                shared.stdout.close()
                shared.stderr.close()
        finally:
            self.assertEqual(first.stop(), 0)

    def test_max_generated_bytes_caps_bytes_and_stream(self):
        server = Server(SERVER, "--max-generated-bytes", "1000")
        try:
            self.assertEqual(len(curl(server.url("/bytes/1000")).stdout), 1000)
            out = curl("-i", server.url("/stream/1001")).stdout
            self.assertTrue(out.startswith(b"HTTP/1.1 400 "), out)
            self.assertIn(b"--max-generated-bytes (1000)", out)
        finally:
            self.assertEqual(server.stop(), 0)


class AccessLog(unittest.TestCase):
    """--access-log: Combined Log Format plus microseconds, one line per
    response, automatic errors and 503s included."""

    LINE = re.compile(r'^(\S+) - - \[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000)\] "([^"]*)" (\d{3}) (\d+|-) '
                      r'"([^"]*)" "([^"]*)" (\d+|-)(?: "([^"]*)")?$')

    def test_one_line_per_response_in_combined_log_format(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "access.log")
            server = Server(SERVER, "--access-log", path, "--max-connections", "2")
            try:
                self.assertEqual(curl("-A", "agent/1", "-e", "http://ref/", server.url("/plaintext")).stdout,
                                 b"Hello, World!")
                self.assertEqual(len(curl(server.url("/bytes/1000")).stdout), 1000)
                exchange(server, b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n")
                # Past --max-connections 2: of four slow requests at once,
                # some get 503 (how many depends on what is still closing).
                held = [server.connect() for _ in range(4)]
                for s in held:
                    s.sendall(b"GET /slow/300 HTTP/1.1\r\nHost: t\r\n\r\n")
                statuses = []
                for s in held:
                    r = read_response(s)
                    statuses.append(r[0] if r else None)
                    s.close()
                self.assertIn(503, statuses)
                rejected = statuses.count(503)
            finally:
                self.assertEqual(server.stop(), 0)
            with open(path) as f:
                lines = f.read().splitlines()
        parsed = [self.LINE.match(line) for line in lines]
        self.assertTrue(all(parsed), lines)
        by_request = {m.group(3): m for m in parsed}
        plain = by_request["GET /plaintext HTTP/1.1"]
        self.assertEqual((plain.group(1), plain.group(4), plain.group(5)), ("127.0.0.1", "200", "13"))
        self.assertEqual((plain.group(6), plain.group(7)), ("http://ref/", "agent/1"))
        self.assertRegex(plain.group(8), r"^\d+$")
        self.assertEqual(by_request["GET /bytes/1000 HTTP/1.1"].group(5), "1000")
        refused = by_request["GET / HTTP/1.1"]
        self.assertEqual(refused.group(4), "400")
        self.assertIn("Host", refused.group(9))
        overloaded = [m for m in parsed if m.group(4) == "503"]
        self.assertEqual(len(overloaded), rejected, lines)
        self.assertEqual(overloaded[0].group(3), "-")
        self.assertIn("max-connections", overloaded[0].group(9))


class BusyPoll(unittest.TestCase):
    """--busy-poll-us: loops look for events before they sleep, but only
    while traffic keeps coming; an idle server still sleeps."""

    def test_serves_keeps_timers_and_sleeps_when_idle(self):
        server = Server(SERVER, "--busy-poll-us", "1000")
        try:
            s = server.connect()
            for _ in range(200):
                s.sendall(b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
                status, _, body = read_response(s)
                self.assertEqual((status, body), (200, b"Hello, World!"))
            # Timers are not held up by the polling: ten ticks over 500 ms.
            started = time.monotonic()
            self.assertEqual(curl(server.url("/slow/500")).stdout.count(b"tick"), 10)
            self.assertLess(time.monotonic() - started, 1.5)
            # With nothing to do the loops sleep: a second of an idle
            # keep-alive connection costs no second of CPU.
            time.sleep(0.2)
            before = server.cpu_seconds()
            time.sleep(1.0)
            idle_cpu = server.cpu_seconds() - before
            print(f"\n  idle for 1 s with --busy-poll-us 1000: {idle_cpu:.2f} s of CPU", file=sys.stderr)
            self.assertLess(idle_cpu, 0.2)
            s.close()
        finally:
            self.assertEqual(server.stop(), 0)

    def test_out_of_range_value_is_refused(self):
        proc = subprocess.run([SERVER, "--port", "0", "--busy-poll-us", "20000"],
                              capture_output=True, text=True, timeout=10)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("invalid value for --busy-poll-us: '20000'", proc.stderr)


class GracefulStop(unittest.TestCase):
    def test_sigterm_lets_in_flight_responses_finish(self):
        server = Server(SERVER)
        result = {}

        def fetch():
            result["body"] = curl(server.url("/slow/1000")).stdout

        t = threading.Thread(target=fetch)
        t.start()
        time.sleep(0.3)
        code = server.stop()
        t.join(timeout=10)
        self.assertEqual(code, 0)
        self.assertEqual(result["body"].count(b"tick"), 10)


class NoIoUring(unittest.TestCase):
    """Where io_uring is denied (a seccomp filter here; an old kernel, a
    container's policy or kernel.io_uring_disabled elsewhere), the io_uring
    server exits 1 with one line naming the cause and the way out."""

    def test_denied_io_uring_is_named_and_epoll_suggested(self):
        for error, cause in [("EPERM", "denied"), ("ENOSYS", "has no io_uring")]:
            proc = subprocess.run([DENY_IO_URING, error, SERVER, "--host", "127.0.0.1", "--port", "0"],
                                  capture_output=True, text=True, timeout=10)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            lines = proc.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, proc.stderr)
            self.assertIn("io_uring is unavailable", lines[0])
            self.assertIn(cause, lines[0])
            self.assertIn("wirestate-epoll", lines[0])
            self.assertNotIn("listening on", proc.stdout)  # refused before any socket was opened


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--deny-io-uring", help="tests/e2e/helpers/deny_io_uring, for NoIoUring")
    args, rest = parser.parse_known_args()
    SERVER = os.path.abspath(args.server)
    DENY_IO_URING = args.deny_io_uring
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
