#!/usr/bin/env python3
"""Bench W5 driver: TCP echo throughput, latency and server CPU cost.

For each server: start it, drive it with echo_load at --conns connections
(throughput phase), then at 1 connection (latency phase), and charge each
phase the server CPU time it consumed (/proc, before/after) divided by the
round trips it completed. Ratios are relative to the raw epoll server.

    run_echo.py [--seconds 5] [--bin-dir DIR] [--server name=command]... [--only name]...
                [--pin 0,1|none] [--repeat N] [--markdown]

Extra servers (e.g. corio's) are added with --server name=command; the
command prints "PORT <n>" first, or contains "{port}" (see bench_common.py).
"""

import argparse
import json
import os
import shlex
import subprocess
import sys

from bench_common import add_common_args, format_table, log, pinned_to, ratio, running, select_servers

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = "epoll"


def default_servers(bin_dir):
    py = shlex.quote(sys.executable)
    script = shlex.quote(os.path.join(HERE, "echo_asyncio.py"))
    servers = [(REFERENCE, f"{shlex.quote(os.path.join(bin_dir, 'echo_epoll_server'))} 0")]
    for loop in ("asyncio", "uvloop"):
        for api in ("streams", "protocol"):
            servers.append((f"{loop}-{api}", f"{py} {script} --loop {loop} --api {api} --port 0"))
    return servers


def run_phase(server, load_bin, conns, args):
    """One echo_load run; returns its JSON result plus server CPU µs per round trip."""
    cpu_before = server.cpu_seconds()
    out = subprocess.run(
        [load_bin, "--port", str(server.port), "--conns", str(conns),
         "--msg", str(args.msg), "--seconds", str(args.seconds)],
        check=True, stdout=subprocess.PIPE, text=True, preexec_fn=pinned_to(args.pin[1]),
    ).stdout
    cpu = server.cpu_seconds() - cpu_before
    result = json.loads(out)
    result["cpu_us_per_rt"] = cpu * 1e6 / result["round_trips"] if result["round_trips"] else float("nan")
    return result


def best(a, b):
    """Best of two results of the same phase, figure by figure."""
    return {"rps": max(a["rps"], b["rps"]), "p50_us": min(a["p50_us"], b["p50_us"]),
            "p99_us": min(a["p99_us"], b["p99_us"]), "cpu_us_per_rt": min(a["cpu_us_per_rt"], b["cpu_us_per_rt"])}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each phase")
    parser.add_argument("--conns", type=int, default=100, help="connections in the throughput phase")
    parser.add_argument("--msg", type=int, default=64, help="message size in bytes")
    parser.add_argument("--bin-dir", default=os.path.normpath(os.path.join(HERE, "../../build/bench/net")),
                        help="where echo_epoll_server and echo_load were built (default: %(default)s)")
    add_common_args(parser)
    args = parser.parse_args()

    load_bin = os.path.join(args.bin_dir, "echo_load")
    servers = select_servers(default_servers(args.bin_dir) + args.server, args.only)
    results = {}  # name -> [throughput phase, latency phase], best figures so far
    for _ in range(args.repeat):
        for name, command in servers:
            log(f"{name}: {command}")
            with running(command, args.pin[0]) as server:
                phases = [run_phase(server, load_bin, conns, args) for conns in (args.conns, 1)]
            many, one = phases
            log(f"  {many['rps']:.0f} rps, p50 {one['p50_us']:.1f} us, "
                f"{many['cpu_us_per_rt']:.2f}/{one['cpu_us_per_rt']:.2f} CPU us/rt")
            results[name] = [best(old, new) for old, new in zip(results[name], phases)] if name in results else phases

    ref = results.get(REFERENCE)
    headers = ["server", f"rps ({args.conns} conns)", "rps vs epoll", "p50 us (1 conn)",
               "p99 us (1 conn)", f"CPU us/rt ({args.conns})", "CPU us/rt (1)", "CPU vs epoll"]
    rows = []
    for name, (many, one) in results.items():
        rows.append([
            name,
            f"{many['rps']:.0f}",
            ratio(many["rps"], ref[0]["rps"]) if ref else "-",
            f"{one['p50_us']:.1f}",
            f"{one['p99_us']:.1f}",
            f"{many['cpu_us_per_rt']:.2f}",
            f"{one['cpu_us_per_rt']:.2f}",
            ratio(many["cpu_us_per_rt"], ref[0]["cpu_us_per_rt"]) if ref else "-",
        ])
    print(format_table(headers, rows, args.markdown))


if __name__ == "__main__":
    main()
