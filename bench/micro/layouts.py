#!/usr/bin/env python3
"""The micro suite's cycles and floors over several links of the same code.

Each binary given was linked with a different WIRESTATE_LAYOUT_PAD and
loop alignment, so the library code sits at a different address, and its
functions at different distances from each other, in each (`./dev bench
layouts` builds them). On this project's test machines the
layout alone moved a cycle's time by up to 20%: one link's figure says
little about a change.
This runs every binary in turn, `rounds` times, and prints for each
benchmark and each ratio the median, lowest and highest over the links.
The padding moves the library as a whole; the loop alignments re-deal how
its functions sit relative to each other (as a change to one of them
does), three ways: a sample of that draw, not all of it.

    layouts.py [--rounds N] [--filter REGEX] BINARY... [--against BINARY...]

With --against, the second list is the same links of another version of
the code (the i-th binary of each list linked alike): each round runs the
two builds of a link back to back, in alternating order, and the summary
adds each link's time ratio of this version to the other. Drift of the
machine then falls on both sides of every ratio, which shows changes
smaller than the spread between links.
"""
import argparse
import re
import statistics
import subprocess
import sys
from collections import defaultdict

DEFAULT_FILTER = "ServerCycle_Plaintext|ClientCycle_Plaintext|LlhttpFloor"

# "BM_ServerCycle_Plaintext   0.408 x BM_LlhttpFloor_Plaintext   (...)"
RATIO = re.compile(r"^(BM_\S+)\s+([0-9.]+) x (BM_\S+)")
# "BM_ServerCycle_Plaintext   432 ns   432 ns   5 ..."
TIME = re.compile(r"^(BM_\S+)\s+([0-9.]+) (ns|us|ms)\s")
TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6}


def run_once(binary, pattern):
    out = subprocess.run(
        [binary, "--benchmark_color=false", "--benchmark_min_time=0.3", f"--benchmark_filter={pattern}"],
        check=True, capture_output=True, text=True, timeout=600).stdout
    times, ratios, against_bare = {}, {}, False
    for line in out.splitlines():
        if line.startswith("Against bare llhttp"):
            against_bare = True  # the floor the targets use is the first list
        if m := RATIO.match(line):
            if not against_bare:
                ratios[f"{m.group(1)} / {m.group(3)}"] = float(m.group(2))
        elif m := TIME.match(line):
            times[m.group(1)] = float(m.group(2)) * TO_NS[m.group(3)]
    return times, ratios


def spread(values):
    return f"median {statistics.median(values):8.3f}   lowest {min(values):8.3f}   highest {max(values):8.3f}"


def record(t, r, link, times, ratios):
    for name, ns in t.items():
        times[name][link].append(ns)
    for name, value in r.items():
        ratios[name][link].append(value)


def summarize(title, times, ratios):
    print(f"\n{title}Time per iteration (ns), each link's fastest round:")
    for name in sorted(times):
        print(f"  {name:44s} {spread([min(v) for v in times[name].values()])}")
    print(f"\n{title}Ratios (cycle rate / floor rate), each link's median round:")
    for name in sorted(ratios):
        print(f"  {name:70s} {spread([statistics.median(v) for v in ratios[name].values()])}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--filter", default=DEFAULT_FILTER)
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--against", nargs="+", default=[])
    args = parser.parse_args()
    if args.against and len(args.against) != len(args.binaries):
        parser.error(f"--against needs one binary per link: {len(args.binaries)} links, "
                     f"{len(args.against)} binaries against them")

    # Per link: the fastest round's time (noise only ever slows a run
    # down), and the median round's ratio (a disturbed floor would raise it).
    # Links are keyed by their index, which pairs the two versions' builds.
    times = defaultdict(lambda: defaultdict(list))   # benchmark -> link -> ns
    ratios = defaultdict(lambda: defaultdict(list))  # ratio -> link -> value
    other_times = defaultdict(lambda: defaultdict(list))
    other_ratios = defaultdict(lambda: defaultdict(list))
    for round_ in range(args.rounds):
        for link, binary in enumerate(args.binaries):
            runs = [(binary, times, ratios)]
            if args.against:
                runs.append((args.against[link], other_times, other_ratios))
                if round_ % 2:
                    runs.reverse()
            for path, t_out, r_out in runs:
                t, r = run_once(path, args.filter)
                record(t, r, link, t_out, r_out)
        print(f"round {round_ + 1} of {args.rounds} done", file=sys.stderr)

    print(f"{len(args.binaries)} links, {args.rounds} rounds each")
    summarize("This version. " if args.against else "", times, ratios)
    if not args.against:
        return
    summarize("Against. ", other_times, other_ratios)
    print("\nThis version's time / against's, per link (fastest rounds); below 1 is faster:")
    for name in sorted(times):
        change = [min(times[name][link]) / min(other_times[name][link])
                  for link in times[name] if link in other_times[name]]
        if change:
            print(f"  {name:44s} {spread(change)}")


if __name__ == "__main__":
    main()
