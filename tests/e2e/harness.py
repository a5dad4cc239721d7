"""Starting a sample server, talking to it, measuring it.

Every server is started on 127.0.0.1 port 0 and stopped by its PID; every
client loop here is bounded in count and time.
"""
import os
import re
import signal
import socket
import subprocess
import time


class Server:
    def __init__(self, binary, *args, max_fds=None):
        # prlimit lowers the server's descriptor limit, to reach EMFILE.
        wrap = ["prlimit", f"--nofile={max_fds}:{max_fds}"] if max_fds else []
        self.proc = subprocess.Popen(
            [*wrap, binary, "--host", "127.0.0.1", "--port", "0", "--threads", "2", "--quiet", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"listening on (\S+):(\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"server did not say where it listens: {line!r} {self.proc.stderr.read()}")
        self.host, self.port = m.group(1), int(m.group(2))
        self.pid = self.proc.pid

    def url(self, path):
        return f"http://{self.host}:{self.port}{path}"

    def connect(self, timeout=5.0):
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def rss_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self):
        """User and system time the server has used so far, all threads."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def fd_count(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def wait_for_fds(self, target, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.fd_count() <= target:
                return True
            time.sleep(0.05)
        return False

    def stop(self, timeout=15.0):
        """SIGTERM, then the exit code (or None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        finally:
            self.proc.stdout.close()
            self.proc.stderr.close()


def stop_process(proc, timeout=10.0):
    """SIGTERM, a bounded wait, then SIGKILL; closes its stdout. Returns the
    exit code (negative for a signal)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()
    return proc.returncode


def read_response(sock, head_only=False):
    """Reads one response from a socket: (status, headers dict lower-case, body).

    Handles Content-Length, chunked (with trailers) and close-delimited bodies.
    Returns None if the connection closed before a status line.
    """
    buf = sock.makefile("rb")
    return read_response_from(buf, head_only)


def read_response_from(buf, head_only=False):
    line = buf.readline()
    if not line:
        return None
    parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    status = int(parts[1])
    headers = {}
    while True:
        h = buf.readline().decode("latin-1")
        if h in ("\r\n", ""):
            break
        name, _, value = h.partition(":")
        headers[name.strip().lower()] = value.strip()
    if head_only or status in (204, 304) or 100 <= status < 200:
        return status, headers, b""
    if "content-length" in headers:
        return status, headers, buf.read(int(headers["content-length"]))
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size = int(buf.readline().split(b";")[0], 16)
            if size == 0:
                while buf.readline() not in (b"\r\n", b""):
                    pass
                return status, headers, body
            body += buf.read(size)
            buf.readline()
    return status, headers, buf.read()


def exchange(server, raw, timeout=5.0):
    """Sends raw bytes on a fresh connection; returns everything received until close."""
    with server.connect(timeout) as s:
        s.sendall(raw)
        chunks = []
        while True:
            try:
                data = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)
