"""End-to-end tests for wirestate-fetch (the client role on the epoll adapter).

    python3 fetch_suite.py --fetch PATH --server PATH

Against our own sample server, against Python's http.server (HTTP/1.0, bodies
delimited by close), and against node's http module (llhttp on the other side)
when node is installed. Every peer listens on 127.0.0.1 and is stopped by PID.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

from harness import Server, stop_process

FETCH = SERVER = None
LOOP = "epoll"  # wirestate-fetch's --loop


def fetch(*args, input=None, timeout=30):
    return subprocess.run([FETCH, "--loop", LOOP, *args], input=input, capture_output=True, timeout=timeout)


class Peer:
    """A server process that prints its port on its first line of output."""

    def __init__(self, argv, pattern, cwd=None, timeout=10.0):
        # Only stdout carries the announcement; whatever the peer says on
        # stderr (node warns when ca-certificates is missing) or before it
        # is read past, within a bounded number of lines and seconds.
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, cwd=cwd)
        deadline = time.monotonic() + timeout
        seen = []
        m = None
        while m is None and len(seen) < 50 and time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            line = self.proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            m = re.search(pattern, line)
        if not m:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"peer did not announce its port: {seen!r}")
        self.port = int(m.group(1))

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        stop_process(self.proc)


class AgainstSampleServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(SERVER)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_get_prints_the_body(self):
        r = fetch(self.server.url("/plaintext"))
        self.assertEqual((r.returncode, r.stdout), (0, b"Hello, World!"))

    def test_requests_one_after_another_go_out_at_once(self):
        # A request queued between two waits is written before the next
        # wait, not when the wait times out (a second each).
        start = time.monotonic()
        r = fetch(*[self.server.url("/plaintext")] * 5)
        elapsed = time.monotonic() - start
        self.assertEqual((r.returncode, r.stdout), (0, b"Hello, World!" * 5))
        self.assertLess(elapsed, 2.5)

    def test_include_head_and_http_errors(self):
        r = fetch("-i", self.server.url("/nothing"))
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stdout.startswith(b"HTTP/1.1 404 Not Found\r\n"), r.stdout)
        self.assertTrue(r.stdout.endswith(b"\r\n\r\nnot found\n"), r.stdout)

    def test_post_from_stdin_and_from_a_file(self):
        payload = os.urandom(2_000_000)
        r = fetch("-d", "-", self.server.url("/echo"), input=payload)
        self.assertEqual((r.returncode, r.stdout), (0, payload))
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"from a file")
            f.flush()
            r = fetch("-d", "@" + f.name, "-X", "PUT", self.server.url("/echo"))
            self.assertEqual(r.returncode, 1)  # PUT /echo is 405
            r = fetch("-d", "@" + f.name, self.server.url("/upload"))
            self.assertEqual(r.stdout, b"received 11")

    def test_pipelined_urls_come_back_in_order(self):
        urls = [self.server.url(p) for p in ["/bytes/3", "/slow/100", "/plaintext", "/stream/5", "/bytes/1"]]
        r = fetch("--pipeline", "4", *urls)
        self.assertEqual(r.returncode, 0)
        ticks = b"".join(b"tick %d\n" % i for i in range(1, 11))
        self.assertEqual(r.stdout, b"012" + ticks + b"Hello, World!" + b"01234" + b"0")

    def test_large_body(self):
        r = fetch(self.server.url("/bytes/30000000"))
        self.assertEqual(len(r.stdout), 30_000_000)

    def test_transport_errors_exit_3(self):
        r = fetch("http://127.0.0.1:1/")
        self.assertEqual(r.returncode, 3)
        self.assertIn(b"cannot connect", r.stderr)
        self.assertEqual(fetch("ftp://x/").returncode, 2)


class AgainstPythonHttpServer(unittest.TestCase):
    def test_files_over_http10(self):
        with tempfile.TemporaryDirectory() as root:
            blob = os.urandom(500_000)
            with open(os.path.join(root, "blob.bin"), "wb") as f:
                f.write(blob)
            with open(os.path.join(root, "a.txt"), "wb") as f:
                f.write(b"hello\n")
            peer = Peer([sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                         "--directory", root], r"port (\d+)")
            try:
                # Each HTTP/1.0 response closes the connection: fetch reconnects.
                r = fetch(peer.url("/a.txt"), peer.url("/blob.bin"))
                self.assertEqual((r.returncode, r.stdout), (0, b"hello\n" + blob), r.stderr)
                r = fetch("-i", peer.url("/missing"))
                self.assertEqual(r.returncode, 1)
                self.assertTrue(r.stdout.startswith(b"HTTP/1.0 404"))
            finally:
                peer.stop()

    def test_body_delimited_by_close(self):
        script = textwrap.dedent("""
            import http.server
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()  # no Content-Length: the close ends the body
                    self.wfile.write(b"x" * 100000 + b"end")
                def log_message(self, *a):
                    pass
            s = http.server.HTTPServer(("127.0.0.1", 0), H)
            print("port", s.server_address[1], flush=True)
            s.serve_forever()
        """)
        peer = Peer([sys.executable, "-u", "-c", script], r"port (\d+)")
        try:
            r = fetch(peer.url("/"))
            self.assertEqual((r.returncode, r.stdout), (0, b"x" * 100000 + b"end"), r.stderr)
        finally:
            peer.stop()


class AgainstNodeHttp(unittest.TestCase):
    def test_chunked_keep_alive_and_trailers(self):
        script = textwrap.dedent("""
            const http = require('http');
            const server = http.createServer((req, res) => {
              let body = '';
              req.on('data', (c) => body += c);
              req.on('end', () => {
                if (req.url === '/trailers') {
                  res.writeHead(200, {'Trailer': 'Checksum'});
                  res.write('part1 '); res.write('part2');
                  res.addTrailers({'Checksum': 'abc'});
                  res.end();
                } else {
                  res.end(req.method + ' ' + req.url + ' ' + body);  // chunked: no length set
                }
              });
            });
            server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
        """)
        peer = Peer(["node", "-e", script], r"port (\d+)")
        try:
            r = fetch("--pipeline", "3", peer.url("/a"), peer.url("/trailers"), peer.url("/b"))
            self.assertEqual((r.returncode, r.stdout), (0, b"GET /a part1 part2GET /b "), r.stderr)
            r = fetch("-d", "payload", peer.url("/p"))
            self.assertEqual(r.stdout, b"POST /p payload")
        finally:
            peer.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--fetch", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--loop", default="epoll", choices=["epoll", "uring", "uv"])
    args, rest = parser.parse_known_args()
    LOOP = args.loop
    FETCH, SERVER = os.path.abspath(args.fetch), os.path.abspath(args.server)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
