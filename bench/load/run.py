#!/usr/bin/env python3
"""The side-by-side load run (issue: benchmarks). Every server is pinned to one
core and the load generator to the other, with the same single worker each;
everything listens on 127.0.0.1 and is stopped by its PID.

    run.py --epoll PATH [--fetch PATH] [--duration S] [--idle N] [--out DIR] [--only 1,2,...] [--repeat N]
           [--before BUILD_DIR]

Prints one markdown table (absolute figures, ratio to the best peer and to the
reference) and writes it, with an SVG bar chart of scenarios 1-4, under
bench/results/. With --fetch, wirestate's client role (wirestate-fetch) and
curl take turns downloading 4 GiB from wirestate's server (3c, a second table).
With --before, the sample servers of another build (a revision to compare
against) take their turns in scenarios 1, 2 and 6 as columns of their own,
and a section says how each loop's server moved against its old self.
Around scenarios 1 and 2 it measures what waking a sleeping server costs its
client on this machine (wake_cost.c), which orders the servers there.
"""
import argparse
import datetime
import glob
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_CPU, LOAD_CPU = "0", "1"
CLIENT_BYTES = 4 << 30  # scenario 3c, the client role's download
# Scenario 1 runs wirestate's server a second time with --busy-poll-us: the
# same code, sleeping less. Shown beside the default, judged by nothing.
BUSY_POLL_US = 200
POLLING = "wirestate --busy-poll-us"
# The other adapters' sample servers, each a column beside epoll's.
URING, UV = "wirestate-uring", "wirestate-uv"
# --before: the same three servers from another build.
BEFORE = {"before epoll": "adapters/epoll/wirestate-epoll", "before uring": "adapters/io_uring/wirestate-uring",
          "before uv": "adapters/libuv/wirestate-uv"}
NOW_OF = {"before epoll": "wirestate", "before uring": URING, "before uv": UV}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Proc:
    """A server we started: its process group is ours to stop."""

    def __init__(self, name, argv, port, cwd=None):
        self.name, self.port = name, port
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CPU, *argv],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     cwd=cwd, start_new_session=True)
        wait_for_port(port)

    def pids(self):
        out = subprocess.run(["pgrep", "-g", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def rss_kib(self):
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status") as f:
                    total += int(next(l for l in f if l.startswith("VmRSS:")).split()[1])
            except (OSError, StopIteration):
                pass
        return total

    def cpu_seconds(self):
        """User and system time of every process in the server's group so far."""
        ticks = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, IndexError, ValueError):
                pass
        return ticks / os.sysconf("SC_CLK_TCK")

    def sleeps(self):
        """How often any thread of the server's group has gone to sleep so far
        (voluntary context switches): each time, the next client write to it
        pays for a wake-up."""
        count = 0
        for pid in self.pids():
            for status in glob.glob(f"/proc/{pid}/task/*/status"):
                try:
                    with open(status) as f:
                        count += int(next(l for l in f if l.startswith("voluntary_ctxt_switches:")).split()[1])
                except (OSError, StopIteration):
                    pass
        return count

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()


def build_tools(work):
    for src in ["floor_server.c", "tcp_pair.c", "wake_cost.c"]:
        out = os.path.join(work, src[:-2])
        subprocess.run(["cc", "-O2", "-o", out, os.path.join(HERE, src)], check=True)


def start(kind, args, work):
    port = free_port()
    if kind in ("wirestate", POLLING, URING, UV, *BEFORE):
        poll = ["--busy-poll-us", str(BUSY_POLL_US)] if kind == POLLING else []
        binary = {URING: args.uring, UV: args.uv}.get(kind, args.epoll)
        if kind in BEFORE:
            binary = os.path.join(args.before, BEFORE[kind])
        return Proc(kind, [binary, "--port", str(port), "--threads", "1", "--quiet",
                           "--max-connections", "30000", *poll], port)
    if kind == "floor":
        return Proc(kind, [os.path.join(work, "floor_server"), str(port)], port)
    if kind == "nginx":
        conf = os.path.join(work, "nginx.conf")
        with open(os.path.join(HERE, "peers", "nginx.conf.in")) as f:
            open(conf, "w").write(f.read().replace("@PORT@", str(port)).replace("@DIR@", work))
        return Proc(kind, ["nginx", "-c", conf, "-g", "daemon off;"], port)
    if kind == "h2o":
        open(os.path.join(work, "plaintext"), "w").write("Hello, World!")
        conf = os.path.join(work, "h2o.conf")
        with open(os.path.join(HERE, "peers", "h2o.conf.in")) as f:
            open(conf, "w").write(f.read().replace("@PORT@", str(port)).replace("@DIR@", work))
        return Proc(kind, ["h2o", "-c", conf], port)
    if kind == "node":
        return Proc(kind, ["node", os.path.join(HERE, "peers", "node_server.js"), str(port)], port)
    raise ValueError(kind)


def available(kind):
    return {"nginx": shutil.which("nginx"), "h2o": shutil.which("h2o"), "node": shutil.which("node")}.get(kind, True)


def wrk(url, conns, seconds, script=None, timeout="5s", server=None):
    """One wrk run. With `server`, also what the run cost each side: the
    server's CPU time per request, how often it went to sleep per request,
    and how busy wrk kept its own core (at 100% the load generator, not the
    server, sets the request rate)."""
    argv = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency",
            "--timeout", timeout]
    if script:
        argv += ["-s", script]
    server_before = server.cpu_seconds() if server else 0.0
    sleeps_before = server.sleeps() if server else 0
    load_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    out = subprocess.run(argv + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    wall = time.monotonic() - started
    load_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = server.cpu_seconds() - server_before if server else None
    server_sleeps = server.sleeps() - sleeps_before if server else None
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        lat[pct] = float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    errors = re.search(r"Socket errors:.*", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    load_cpu = (load_after.ru_utime + load_after.ru_stime) - (load_before.ru_utime + load_before.ru_stime)
    return {"rps": rps, "p50_ms": lat.get("50"), "p99_ms": lat.get("99"),
            "cpu_us": server_cpu / requests * 1e6 if server_cpu is not None and requests else None,
            "sleeps": server_sleeps / requests if server_sleeps is not None and requests else None,
            "load_busy": 100.0 * load_cpu / wall,
            "errors": (errors.group(0) if errors else "") + (f" non-2xx {non2xx.group(1)}" if non2xx else "")}


def wake_cost(work):
    """What waking a sleeping peer costs the writer right now (wake_cost.c):
    round trips with the echo asleep and polling, and the writer's system
    time a round trip in each."""
    out = subprocess.run([os.path.join(work, "wake_cost"), "50000"], capture_output=True, text=True,
                         timeout=90, check=True).stdout.split()
    asleep, asleep_sys, polling, polling_sys = (float(x) for x in out)
    return {"rtt_asleep": asleep, "rtt_polling": polling, "writer_us": asleep_sys - polling_sys}


def slow_clients(port, count, seconds):
    """`count` keep-alive clients, each looping GET /slow/2000, for `seconds`.

    Counts completions in the steady window after the first round (a request
    takes 2 s, so the first 2 s complete nothing): wrk's total / duration would
    count that ramp against the server."""
    script = os.path.join(HERE, "slow_clients.py")
    out = subprocess.run(["taskset", "-c", LOAD_CPU, sys.executable, script, str(port), str(count), str(seconds)],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    rps, p99 = out.split()
    return {"rps": float(rps), "p99_ms": float(p99)}


def idle_connections(server, count):
    """Opens `count` keep-alive connections, one request each; returns RSS growth per connection."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1000), hard))
    before = server.rss_kib()
    socks = []
    try:
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            s.sendall(b"GET /plaintext HTTP/1.1\r\nHost: b\r\n\r\n")
            socks.append(s)
        for s in socks:
            data = b""
            while b"Hello, World!" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        time.sleep(1)
        after = server.rss_kib()
    finally:
        for s in socks:
            s.close()
    return (after - before) * 1024 / count


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epoll", required=True)
    p.add_argument("--uring", help="wirestate-uring, as its own column")
    p.add_argument("--uv", help="wirestate-uv, as its own column")
    p.add_argument("--fetch", help="wirestate-fetch, for the client role's download in scenario 3")
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--idle", type=int, default=10000)
    p.add_argument("--out", default=os.path.join(HERE, "..", "results"))
    p.add_argument("--only", default="", help="comma-separated scenarios; prints the table, records nothing")
    p.add_argument("--before", help="a build directory whose sample servers are compared in scenarios 1, 2, 6")
    p.add_argument("--repeat", type=int, default=3,
                   help="rounds of scenarios 1 and 2, servers taking turns; each figure is its median over them")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="wirestate-load-")
    build_tools(work)
    D = args.duration
    results = {}  # (scenario, server) -> dict
    peers = [k for k in ["nginx", "h2o", "node"] if available(k)]
    adapters = [k for k, given in [(URING, args.uring), (UV, args.uv)] if given]
    befores = [k for k in BEFORE if args.before and os.path.exists(os.path.join(args.before, BEFORE[k]))
               and (NOW_OF[k] == "wirestate" or NOW_OF[k] in adapters)]

    failures = []

    def run(kind, fn):
        # One failing server or scenario is reported, not fatal to the run.
        try:
            server = start(kind, args, work)
        except Exception as e:  # noqa: BLE001 - reported in the table's notes
            failures.append(f"{kind}: did not start: {e}")
            return {}
        try:
            time.sleep(0.3)
            return fn(server)
        except Exception as e:  # noqa: BLE001
            failures.append(f"{kind}: {e}")
            return {}
        finally:
            server.stop()

    only = {int(x) for x in args.only.split(",") if x}
    wanted = lambda n: not only or n in only  # noqa: E731

    print(f"load run: server on cpu {SERVER_CPU}, load on cpu {LOAD_CPU}, {D}s per run", file=sys.stderr)
    # The machine's noise moves single runs by 10% or more, so the servers
    # take turns for several rounds and each figure is its median over them.
    rounds = {}
    wakes = []  # (when, wake_cost(work)) around scenarios 1 and 2

    def measure_wakes(when):
        print(f"  the cost of a wake-up, {when} scenarios 1 and 2", file=sys.stderr)
        try:
            wakes.append((when, wake_cost(work)))
        except Exception as e:  # noqa: BLE001 - reported in the table's notes
            failures.append(f"wake_cost {when}: {e}")

    if wanted(1) or wanted(2):
        measure_wakes("before")
    for r in range(max(args.repeat, 1)):
        for kind in ["floor", "wirestate", *([POLLING] if wanted(1) else []), *adapters, *befores, *peers]:
            print(f"  round {r + 1}, {kind}: plaintext", file=sys.stderr)
            if wanted(1):
                rounds.setdefault((1, kind), []).append(
                    run(kind, lambda s: wrk(f"http://127.0.0.1:{s.port}/plaintext", 64, D, server=s)))
            if wanted(2) and kind != POLLING:
                rounds.setdefault((2, kind), []).append(
                    run(kind, lambda s: wrk(f"http://127.0.0.1:{s.port}/plaintext", 256, D,
                                            script=os.path.join(HERE, "pipeline.lua"), server=s)))
    if wanted(1) or wanted(2):
        measure_wakes("after")
    for key, runs in rounds.items():
        runs = [x for x in runs if x.get("rps") is not None]
        if not runs:
            results[key] = {}
            continue
        # Each figure is its own median over the rounds.
        results[key] = {m: median([x[m] for x in runs if x.get(m) is not None])
                        for m in ["rps", "p50_ms", "p99_ms", "cpu_us", "sleeps", "load_busy"]}
        results[key]["errors"] = " ".join(x["errors"] for x in runs if x.get("errors", "").strip())
    # Scenario 3: one receiver (tcp_pair's, on the load generator's core)
    # reads raw TCP from a write loop and the HTTP body from each server, so
    # the two figures differ only in the sender. Raw TCP takes turns with
    # wirestate's download, five each, so the machine's drift (loopback
    # throughput moves by a third within minutes) falls on both; medians.
    def pair(*extra):
        return float(subprocess.run([os.path.join(work, "tcp_pair"), str(1 << 30), *extra],
                                    capture_output=True, text=True, check=True, timeout=120).stdout)

    def download(s):
        return {"Bps": median([pair(str(s.port)) for _ in range(3)])}

    def download_beside_raw(s):
        raw, got = [], []
        for _ in range(5):
            raw.append(pair())
            got.append(pair(str(s.port)))
        return {"Bps": median(got), "raw": median(raw)}

    def client_download(s):
        # The client role receiving the same bytes as curl, taking turns
        # with it three times on one server; each keeps its median. Both
        # write the body to /dev/null and are timed the same way, as whole
        # processes: curl's own figure leaves out its start-up, which
        # wirestate-fetch cannot report. 4 GiB keeps start-up to about 1%.
        url = f"http://127.0.0.1:{s.port}/bytes/{CLIENT_BYTES}"
        clients = {"fetch": [args.fetch, url], "curl": ["curl", "-s", "-o", "/dev/null", url]}
        rates = {name: [] for name in clients}
        for _ in range(3):
            for name, argv in clients.items():
                start = time.monotonic()
                subprocess.run(["taskset", "-c", LOAD_CPU, *argv], stdout=subprocess.DEVNULL, check=True,
                               timeout=300)
                rates[name].append(CLIENT_BYTES / (time.monotonic() - start))
        return {"Bps": sorted(rates["fetch"])[1], "curl_Bps": sorted(rates["curl"])[1]}

    results[(3, "raw")] = {"Bps": None}
    if wanted(3):
        print("  raw TCP and /bytes/1073741824, taking turns", file=sys.stderr)
        results[(3, "wirestate")] = run("wirestate", download_beside_raw)
        results[(3, "raw")] = {"Bps": results[(3, "wirestate")].get("raw")}
        for kind in adapters + (["node"] if "node" in peers else []):
            results[(3, kind)] = run(kind, download)
    if wanted(3) and args.fetch:
        print(f"  wirestate-fetch and curl: /bytes/{CLIENT_BYTES}, three turns each", file=sys.stderr)
        results[(3, "client")] = run("wirestate", client_download)
    slow_seconds = max(D * 2, 6)
    for kind in ["wirestate", *adapters] + (["node"] if "node" in peers else []):
        if wanted(4):
            print(f"  {kind}: 500 x /slow/2000", file=sys.stderr)
            results[(4, kind)] = run(kind, lambda s: slow_clients(s.port, 500, slow_seconds))

    def rate_limited(s):
        before = s.rss_kib()
        proc = subprocess.Popen(["taskset", "-c", LOAD_CPU, "curl", "-s", "--limit-rate", "1M", "--max-time",
                                 str(D), "-o", "/dev/null", f"http://127.0.0.1:{s.port}/stream/52428800"])
        peak = before
        while proc.poll() is None:
            peak = max(peak, s.rss_kib())
            time.sleep(0.1)
        return {"growth_kib": peak - before}

    for kind in ["wirestate", *adapters]:
        if wanted(5):
            print(f"  {kind}: /stream at 1 MiB/s", file=sys.stderr)
            results[(5, kind)] = run(kind, rate_limited)
    for kind in ["wirestate", *adapters, *befores, *peers]:
        if wanted(6):
            print(f"  {kind}: {args.idle} idle connections", file=sys.stderr)
            results[(6, kind)] = run(kind, lambda s: {"bytes": idle_connections(s, args.idle)})
    shutil.rmtree(work, ignore_errors=True)
    report(results, peers, adapters, args, failures, wakes, befores)


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else None


def fmt_rate(v):
    return f"{v / 1e6:.2f} M" if v >= 1e6 else f"{v / 1e3:.1f} k"


def report(results, peers, adapters, args, failures, wakes, befores=()):
    host = socket.gethostname()
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M")
    cols = ["wirestate", POLLING, *adapters, *befores, "floor", *peers]
    titles = {"wirestate": "wirestate (epoll)", POLLING: f"wirestate, busy-poll {BUSY_POLL_US} µs"}
    lines = [f"# Load run {stamp} on {host}", "",
             f"`bench/load/run.py --duration {args.duration} --idle {args.idle} --repeat {args.repeat}`: server "
             f"pinned to cpu {SERVER_CPU}, wrk/curl to cpu {LOAD_CPU}, one worker each; scenarios 1 and 2 are "
             f"medians over {args.repeat} rounds in which the servers take turns. Ratios are wirestate / the "
             "other figure (for latency, CPU and memory, lower is better). Server CPU is the user and system "
             "time of the server's processes over the run, per request; while wrk keeps its core near 100% busy, "
             "wrk sets the request rate and CPU per request is the server's own cost. Server sleeps are the "
             "times per request any of the server's threads went to sleep (voluntary context switches); wrk "
             "pays for waking it at the next request it sends. The busy-poll column is wirestate's server "
             f"again with --busy-poll-us {BUSY_POLL_US} (scenario 1 only, judged by no target). "
             "Scenario 3's client is "
             "tcp_pair's receiver (256 KiB reads on cpu 1), the same that measures raw TCP from a 1 MiB write loop.",
             "",
             "| scenario | metric | " + " | ".join(titles.get(c, c) for c in cols) + " | vs best peer | vs reference |",
             "|---|---|" + "---|" * len(cols) + "---|---|"]

    def row(n, name, metric, key, fmt, reference=None, higher_better=True):
        vals = {c: results.get((n, c), {}).get(key) for c in cols}
        w = vals["wirestate"]
        # higher_better None: a fact about the run, compared with nothing.
        best = best_peer(results, peers, n, key, higher_better) if higher_better is not None else None
        cells = [fmt(vals[c]) if vals.get(c) is not None else "n/a" for c in cols]
        vs_peer = f"{w / best:.2f}x" if w is not None and best else "n/a"
        vs_ref = f"{w / reference:.2f}x" if w is not None and reference else "n/a"
        lines.append(f"| {name} | {metric} | " + " | ".join(cells) + f" | {vs_peer} | {vs_ref} |")

    floor1 = results.get((1, "floor"), {}).get("rps")
    floor2 = results.get((2, "floor"), {}).get("rps")
    row(1, "1 plaintext, 64 conns", "req/s", "rps", fmt_rate, floor1)
    row(1, "1 plaintext, 64 conns", "p50 ms", "p50_ms", lambda v: f"{v:.2f}", None, False)
    row(1, "1 plaintext, 64 conns", "p99 ms", "p99_ms", lambda v: f"{v:.2f}", None, False)
    cpu1 = results.get((1, "floor"), {}).get("cpu_us")
    row(1, "1 plaintext, 64 conns", "server CPU µs/req", "cpu_us", lambda v: f"{v:.2f}", cpu1, False)
    row(1, "1 plaintext, 64 conns", "server sleeps/req", "sleeps", lambda v: f"{v:.3f}", None, None)
    row(1, "1 plaintext, 64 conns", "wrk's core busy %", "load_busy", lambda v: f"{v:.0f}", None, None)
    row(2, "2 plaintext, 256 conns, 16 pipelined", "req/s", "rps", fmt_rate, floor2)
    cpu2 = results.get((2, "floor"), {}).get("cpu_us")
    row(2, "2 plaintext, 256 conns, 16 pipelined", "server CPU µs/req", "cpu_us", lambda v: f"{v:.3f}", cpu2, False)
    row(2, "2 plaintext, 256 conns, 16 pipelined", "server sleeps/req", "sleeps", lambda v: f"{v:.3f}", None, None)
    row(2, "2 plaintext, 256 conns, 16 pipelined", "wrk's core busy %", "load_busy", lambda v: f"{v:.0f}", None,
        None)
    raw = results[(3, "raw")]["Bps"]
    raw_text = f"{raw / 1e9:.2f} GB/s" if raw else "n/a"
    row(3, f"3 GET /bytes/1 GiB (raw TCP: {raw_text})", "GB/s", "Bps", lambda v: f"{v / 1e9:.2f}", raw)
    row(4, "4 500 x /slow/2000", "req/s", "rps", lambda v: f"{v:.1f}", 250.0)
    row(4, "4 500 x /slow/2000", "p99 ms", "p99_ms", lambda v: f"{v:.0f}", None, False)
    row(5, "5 /stream at 1 MiB/s", "RSS growth KiB", "growth_kib", lambda v: f"{v}", None, False)
    row(6, f"6 {args.idle} idle keep-alive", "bytes/conn", "bytes", lambda v: f"{v:.0f}", None, False)
    if wakes:
        lines += ["", "Waking a sleeping server, measured on this machine around scenarios 1 and 2 (bench/load/"
                  "wake_cost.c: a loopback round trip with the echo asleep and with it polling; the difference in "
                  "the writer's system time is what each wake-up costs the client):", ""]
        lines += [f"- {when}: round trip {w['rtt_asleep']:.1f} µs asleep, {w['rtt_polling']:.1f} µs polling; "
                  f"a wake-up costs the writer {w['writer_us']:.2f} µs" for when, w in wakes]
    lines += ["", "Targets:", "", *target_lines(results, peers)]
    if adapters:
        lines += ["", "The other adapters against epoll's server (wirestate), same run:", "",
                  *adapter_lines(results, adapters)]
    if befores:
        lines += ["", f"Each loop's server against its old self (--before {args.before}), same run:", "",
                  *before_lines(results, befores)]
    client = results.get((3, "client"), {})
    if client.get("Bps") is not None:
        fetch, curl = client["Bps"], client["curl_Bps"]
        lines += ["", "Client role: wirestate-fetch and curl taking turns on wirestate's server, each timed as a whole "
                  "process, median of three:",
                  "", "| scenario | metric | wirestate-fetch | curl | vs curl | vs raw TCP |", "|---|---|---|---|---|---|",
                  f"| 3c GET /bytes/{CLIENT_BYTES >> 30} GiB | GB/s | {fetch / 1e9:.2f} | {curl / 1e9:.2f} | {fetch / curl:.2f}x | "
                  + (f"{fetch / raw:.2f}x |" if raw else "n/a |")]
    errors = [f"- {s} {c}: {r['errors'].strip()}" for (s, c), r in sorted(results.items())
              if isinstance(r, dict) and r.get("errors", "").strip()]
    if errors:
        lines += ["", "wrk reported errors:", *errors]
    if failures:
        lines += ["", "Failed runs (shown as n/a):", *[f"- {f}" for f in failures]]
    table = "\n".join(lines) + "\n"
    print(table)
    if args.only:
        return  # a partial run is a probe, not a record
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, f"{stamp}-{host}")
    open(base + ".md", "w").write(table)
    chart(results, peers, base)


def best_peer(results, peers, n, key, higher_better):
    """The best peer's figure for scenario n, or None when no peer has one."""
    values = [v for v in (results.get((n, k), {}).get(key) for k in peers) if v is not None]
    return (max(values) if higher_better else min(values)) if values else None


def target_lines(results, peers):
    """Each target of the benchmarks issue against this run's figures."""
    get = lambda n, kind, key: results.get((n, kind), {}).get(key)  # noqa: E731
    out = []

    def target(label, figures, test, detail):
        # Judged only when every figure it needs was measured.
        if None in figures:
            out.append(f"- {label}: not measured")
        else:
            out.append(f"- {label}: {'met' if test(*figures) else 'MISSED'} ({detail(*figures)})")

    # Scenario 1 is judged by the server's own cost: one wrk thread saturates
    # its core before any of these servers does, so req/s there is wrk's
    # limit, reported beside the verdict and not judged.
    def scenario1(cpu, peer_cpu):
        text = f"server CPU per request {cpu:.2f} µs, {cpu / peer_cpu:.2f}× the best peer's ({peer_cpu:.2f})"
        w, floor, peer = get(1, "wirestate", "rps"), get(1, "floor", "rps"), best_peer(results, peers, 1, "rps", True)
        if None not in (w, floor, peer):
            text += f"; req/s, not judged: {w / floor:.2f}× the floor, {w / peer:.2f}× the best peer"
        busy = get(1, "wirestate", "load_busy")
        text += f", wrk's core {busy:.0f}% busy" if busy is not None else ""
        polling = get(1, POLLING, "rps")
        if polling is not None and None not in (floor, peer):
            text += (f"; with --busy-poll-us {BUSY_POLL_US}, not judged: {polling / floor:.2f}× the floor, "
                     f"{polling / peer:.2f}× the best peer")
        return text

    target("(1) server CPU per request at most the best peer's",
           (get(1, "wirestate", "cpu_us"), best_peer(results, peers, 1, "cpu_us", False)),
           lambda cpu, peer_cpu: cpu <= peer_cpu, scenario1)
    target("(2) ≥ 0.8 × the floor", (get(2, "wirestate", "rps"), get(2, "floor", "rps")),
           lambda w, floor: w >= 0.8 * floor, lambda w, floor: f"{w / floor:.2f}×")
    target("(3) ≥ 0.9 × raw TCP", (get(3, "wirestate", "Bps"), get(3, "raw", "Bps")),
           lambda w, raw: w >= 0.9 * raw, lambda w, raw: f"{w / raw:.2f}×")
    target("(4) ≥ 247.5 req/s, p99 < 2.2 s", (get(4, "wirestate", "rps"), get(4, "wirestate", "p99_ms")),
           lambda w, p99: w >= 0.99 * 250 and p99 < 2200, lambda w, p99: f"{w:.1f} req/s, {p99 / 1e3:.3f} s")
    target("(5) RSS growth < 2 MiB", (get(5, "wirestate", "growth_kib"),),
           lambda w: w < 2048, lambda w: f"{w} KiB")
    target("(6) no more bytes per idle connection than the best peer",
           (get(6, "wirestate", "bytes"), best_peer(results, peers, 6, "bytes", False)),
           lambda w, peer: w <= peer, lambda w, peer: f"{w:.0f} against {peer:.0f}")
    return out


def adapter_lines(results, adapters):
    """Each adapter's targets, as ratios to epoll's server in this run."""
    get = lambda n, kind, key: results.get((n, kind), {}).get(key)  # noqa: E731
    out = []

    def target(kind, label, figure, reference, test, of="epoll's"):
        if figure is None or reference is None:
            out.append(f"- {kind}, {label}: not measured")
        else:
            ratio = figure / reference
            out.append(f"- {kind}, {label}: {'met' if test(ratio) else 'MISSED'} ({ratio:.2f}× {of})")

    # (CPU per request at most this × epoll's in scenarios 1 and 2, idle
    # bytes at most this × epoll's)
    limits = {URING: (1.0, 0.9, 1.0), UV: (1.25, 1.25, 2.0)}
    for kind in adapters:
        one, two, idle = limits[kind]
        target(kind, f"(1) server CPU per request ≤ {one:g}× epoll's", get(1, kind, "cpu_us"),
               get(1, "wirestate", "cpu_us"), lambda r: r <= one)
        target(kind, f"(2) server CPU per request ≤ {two:g}× epoll's", get(2, kind, "cpu_us"),
               get(2, "wirestate", "cpu_us"), lambda r: r <= two)
        target(kind, f"(6) bytes per idle connection ≤ {idle:g}× epoll's", get(6, kind, "bytes"),
               get(6, "wirestate", "bytes"), lambda r: r <= idle)
        if kind == URING:
            target(kind, "(3) GB/s ≥ epoll's", get(3, kind, "Bps"), get(3, "wirestate", "Bps"), lambda r: r >= 1.0)
        else:
            target(kind, "(3) ≥ 0.9 × raw TCP", get(3, kind, "Bps"), get(3, "raw", "Bps"), lambda r: r >= 0.9,
                   of="raw TCP")
        rps, p99 = get(4, kind, "rps"), get(4, kind, "p99_ms")
        out.append(f"- {kind}, (4) ≥ 247.5 req/s, p99 < 2.2 s: " +
                   ("not measured" if None in (rps, p99) else
                    f"{'met' if rps >= 0.99 * 250 and p99 < 2200 else 'MISSED'} ({rps:.1f} req/s, {p99 / 1e3:.3f} s)"))
        growth = get(5, kind, "growth_kib")
        out.append(f"- {kind}, (5) RSS growth < 2 MiB: " +
                   ("not measured" if growth is None else f"{'met' if growth < 2048 else 'MISSED'} ({growth} KiB)"))
    return out


def before_lines(results, befores):
    """Each server of this build as a ratio to the same loop's server of the
    --before build: CPU per request within 5% in scenarios 1 and 2, and no
    more bytes per idle connection."""
    get = lambda n, kind, key: results.get((n, kind), {}).get(key)  # noqa: E731
    out = []
    for old in befores:
        new = NOW_OF[old]
        for n, key, label, limit in [(1, "cpu_us", "(1) server CPU per request", 1.05),
                                     (2, "cpu_us", "(2) server CPU per request", 1.05),
                                     (6, "bytes", "(6) bytes per idle connection", 1.0)]:
            now, then = get(n, new, key), get(n, old, key)
            if now is None or then is None:
                out.append(f"- {new}, {label}: not measured")
            else:
                out.append(f"- {new}, {label} ≤ {limit:g}× its old self: {'met' if now / then <= limit else 'MISSED'} "
                           f"({now:.3f} against {then:.3f}: {now / then:.3f}×)")
    return out


def chart(results, peers, base):
    """Bars of scenarios 1-4, each server as a fraction of that scenario's reference."""
    if not shutil.which("gnuplot"):
        return
    refs = {1: results.get((1, "floor"), {}).get("rps"), 2: results.get((2, "floor"), {}).get("rps"),
            3: results[(3, "raw")]["Bps"], 4: 250.0}
    keys = {1: "rps", 2: "rps", 3: "Bps", 4: "rps"}
    names = {1: "plaintext", 2: "pipelined x16", 3: "1 GiB download", 4: "500 x slow"}
    servers = ["wirestate", *peers]
    data = base + ".dat"
    with open(data, "w") as f:
        f.write("scenario " + " ".join(servers) + "\n")
        for n in range(1, 5):
            vals = []
            for s in servers:
                v = results.get((n, s), {}).get(keys[n])
                vals.append(f"{v / refs[n]:.3f}" if v is not None and refs[n] else "NaN")
            f.write(f'"{names[n]}" ' + " ".join(vals) + "\n")
    plot = (f'set terminal svg size 900,450; set output "{base}.svg"; '
            'set title "Fraction of the reference (floor server, raw TCP, theoretical 250 req/s)"; '
            'set style data histograms; set style fill solid 0.8; set yrange [0:*]; set key top right; '
            f'plot for [i=2:{len(servers) + 1}] "{data}" using i:xtic(1) title columnheader(i)')
    subprocess.run(["gnuplot", "-e", plot], check=False)
    os.remove(data)


if __name__ == "__main__":
    main()
