"""wirestate-epoll behind Debian's nginx as a reverse proxy.

nginx listens on 127.0.0.1 (a port picked free), keeps HTTP/1.1 keep-alive
connections to the upstream, and buffers neither requests nor responses, as
docs/deployment.md configures it. The route suite runs through it, the
upstream's connections are counted to show they are reused, and the upstream
is stopped gracefully under load. Everything started here is stopped by PID.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from harness import Server, read_response, read_response_from, stop_process

SERVER = None

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    upstream wirestate {{
        server 127.0.0.1:{upstream};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 0;
        location / {{
            proxy_pass http://wirestate;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_request_buffering off;
            proxy_buffering off;
        }}
    }}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    def __init__(self, upstream_port):
        self.tmp = tempfile.mkdtemp(prefix="wirestate-nginx-")
        self.port = free_port()
        conf = os.path.join(self.tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(tmp=self.tmp, upstream=upstream_port, port=self.port))
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", self.tmp], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not start")

    def connect(self, timeout=10.0):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        stop_process(self.proc)
        shutil.rmtree(self.tmp, ignore_errors=True)


def request(sock, raw):
    sock.sendall(raw)
    return read_response(sock)


def upstream_peers(port):
    """The peer ports of the connections established to the upstream now."""
    out = subprocess.run(["ss", "-tnH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, timeout=10).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


class BehindNginx(unittest.TestCase):
    def setUp(self):
        self.server = Server(SERVER)
        self.nginx = Nginx(self.server.port)

    def tearDown(self):
        self.nginx.stop()
        self.server.stop()

    def test_routes_through_the_proxy(self):
        with self.nginx.connect() as s:
            status, _, body = request(s, b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
            self.assertEqual((status, body), (200, b"Hello, World!"))
            # A chunked download, streamed through.
            status, headers, body = request(s, b"GET /stream/300000 HTTP/1.1\r\nHost: t\r\n\r\n")
            self.assertEqual((status, len(body)), (200, 300000))
            # A chunked upload, not buffered by the proxy.
            chunks = b"".join(b"%x\r\n%s\r\n" % (n, b"u" * n) for n in (1000, 70000, 5)) + b"0\r\n\r\n"
            status, _, body = request(s, b"POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                                      + chunks)
            self.assertEqual((status, body), (200, b"received 71005"))
            status, _, body = request(s, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello")
            self.assertEqual((status, body), (200, b"hello"))
            # /slow: ten ticks, spread out, arrive through the proxy.
            started = time.monotonic()
            status, _, body = request(s, b"GET /slow/300 HTTP/1.1\r\nHost: t\r\n\r\n")
            self.assertEqual((status, body.count(b"tick")), (200, 10))
            self.assertGreaterEqual(time.monotonic() - started, 0.29)
            status, _, _ = request(s, b"GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n")
            self.assertEqual(status, 404)

    def test_expect_100_continue(self):
        with self.nginx.connect() as s:
            s.sendall(b"POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            s.settimeout(5)
            interim = s.recv(1024)
            self.assertTrue(interim.startswith(b"HTTP/1.1 100 Continue\r\n"), interim)
            status, _, body = request(s, b"body")
            self.assertEqual((status, body), (200, b"received 4"))

    def test_pipelined_clients(self):
        with self.nginx.connect() as s:
            s.sendall(b"".join(b"GET /bytes/%d HTTP/1.1\r\nHost: t\r\n\r\n" % n for n in range(1, 21)))
            f = s.makefile("rb")  # one reader: responses may arrive in one segment
            for n in range(1, 21):
                status, _, body = read_response_from(f)
                self.assertEqual((status, len(body)), (200, n))

    def test_upstream_connections_are_reused(self):
        peers = set()
        with self.nginx.connect() as s:
            for _ in range(100):
                status, _, _ = request(s, b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
                self.assertEqual(status, 200)
                peers |= upstream_peers(self.server.port)
        # One worker, one request at a time: one upstream connection serves
        # them all (a new one per request would show a hundred).
        self.assertGreaterEqual(len(peers), 1)
        self.assertLessEqual(len(peers), 2, peers)

    def test_graceful_stop_of_the_upstream_under_load(self):
        # Slow responses in flight when the upstream is told to stop finish
        # through the proxy; requests after it get the proxy's 502, never a
        # truncated 200.
        results = []
        lock = threading.Lock()

        def slow_client():
            try:
                with self.nginx.connect(timeout=15) as s:
                    status, _, body = request(s, b"GET /slow/1000 HTTP/1.1\r\nHost: t\r\n\r\n")
                    with lock:
                        results.append(("slow", status, body.count(b"tick")))
            except OSError as e:
                with lock:
                    results.append(("slow", "error", str(e)))

        threads = [threading.Thread(target=slow_client) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.3)  # all eight in flight upstream
        self.server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        after = []
        for _ in range(5):
            with self.nginx.connect() as s:
                r = request(s, b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
                after.append(r[0] if r else None)
        for t in threads:
            t.join(timeout=20)
        self.assertEqual(sorted(results), [("slow", 200, 10)] * 8)
        for status in after:
            self.assertIn(status, (502, 503), after)
        self.assertEqual(self.server.proc.wait(timeout=15), 0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    args, rest = parser.parse_known_args()
    SERVER = args.server
    unittest.main(argv=[sys.argv[0], "-v", *rest])
