"""Scenario 4's load: N keep-alive clients, each looping GET /slow/2000 on
127.0.0.1:PORT for SECONDS. Prints the completion rate in the steady window
(from 2.5 s, after the first round, to the last full round) and the p99
latency in milliseconds.

    slow_clients.py PORT N SECONDS
"""
import asyncio
import sys
import time


async def client(port, until, done, latencies):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < until:
            started = time.monotonic()
            writer.write(b"GET /slow/2000 HTTP/1.1\r\nHost: b\r\n\r\n")
            await writer.drain()
            while True:  # chunked: ends at the last chunk
                line = await reader.readline()
                if not line:
                    return
                if line == b"0\r\n":
                    await reader.readline()
                    break
            now = time.monotonic()
            done.append(now)
            latencies.append((now - started) * 1000)
    finally:
        writer.close()


async def main(port, n, seconds):
    done, latencies = [], []
    start = time.monotonic()
    await asyncio.gather(*(client(port, start + seconds, done, latencies) for _ in range(n)))
    # Whole 2 s rounds inside [2.5 s, seconds + 0.5 s): each client completes
    # one request per round.
    rounds = int((seconds - 2) // 2)
    lo, hi = start + 2.5, start + 2.5 + 2 * rounds
    steady = [t for t in done if lo <= t < hi]
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0
    print(f"{len(steady) / (hi - lo):.1f} {p99:.0f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
