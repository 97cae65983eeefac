#!/usr/bin/env python3
"""Bench W6 driver: RESP servers under redis-benchmark.

For each server, runs `redis-benchmark -t TEST -c 50 -n N -q` once per test,
first without pipelining and then with -P 16, and charges each run the server
CPU time it consumed (/proc, before/after) divided by its N requests. Ratios
are relative to redis-server.

    run_redis.py [--n 200000] [--server name=command]... [--only name]... [--pin 0,1|none]
                 [--repeat N] [--markdown]

Extra servers (e.g. corio's redis_lite) are added with --server name=command;
the command prints "PORT <n>" first, or contains "{port}" (see bench_common.py).
Each test runs on its own so its CPU cost is not mixed with the others';
SET runs before GET so that GET hits.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys

from bench_common import add_common_args, format_table, log, pinned_to, ratio, running, select_servers

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = "redis"
TESTS = ("ping_inline", "ping_mbulk", "set", "get")  # what `-t ping,set,get` runs


def default_servers():
    py = shlex.quote(sys.executable)
    script = shlex.quote(os.path.join(HERE, "resp_asyncio.py"))
    return [
        (REFERENCE, "redis-server --port {port} --bind 127.0.0.1 --save '' --appendonly no"),
        ("asyncio", f"{py} {script} --loop asyncio --port 0"),
        ("uvloop", f"{py} {script} --loop uvloop --port 0"),
    ]


def run_test(server, test, pipeline, args):
    """One redis-benchmark run; returns (requests/s, server CPU µs per request)."""
    cpu_before = server.cpu_seconds()
    # stderr is only the "Could not fetch server CONFIG" warning for servers
    # without CONFIG GET, unless the run fails.
    proc = subprocess.run(
        ["redis-benchmark", "-p", str(server.port), "-t", test, "-c", str(args.clients),
         "-n", str(args.n), "-P", str(pipeline), "-q"],
        capture_output=True, text=True, preexec_fn=pinned_to(args.pin[1]),
    )
    cpu = server.cpu_seconds() - cpu_before
    # -q still prints \r-separated progress lines before the final one.
    match = re.search(r"^\s*\S+: ([\d.]+) requests per second", proc.stdout.replace("\r", "\n"), re.MULTILINE)
    if proc.returncode or not match:
        raise RuntimeError(f"redis-benchmark failed ({proc.returncode}): {proc.stdout}{proc.stderr}")
    return float(match.group(1)), cpu * 1e6 / args.n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200000, help="requests per test")
    parser.add_argument("--clients", type=int, default=50, help="redis-benchmark -c")
    parser.add_argument("--pipeline", type=int, default=16, help="redis-benchmark -P of the pipelined round")
    add_common_args(parser)
    args = parser.parse_args()

    pipelines = (1, args.pipeline)
    servers = select_servers(default_servers() + args.server, args.only)
    results = {}  # (pipeline, test) -> {server name: (best rps, best cpu µs/req)}
    for _ in range(args.repeat):
        for name, command in servers:
            log(f"{name}: {command}")
            with running(command, args.pin[0]) as server:
                for pipeline in pipelines:
                    for test in TESTS:
                        rps, cpu_us = run_test(server, test, pipeline, args)
                        log(f"  -P {pipeline} {test}: {rps:.0f} req/s, {cpu_us:.2f} CPU us/req")
                        by_server = results.setdefault((pipeline, test), {})
                        old_rps, old_cpu = by_server.get(name, (rps, cpu_us))
                        by_server[name] = (max(rps, old_rps), min(cpu_us, old_cpu))

    headers = ["test", "-P", "server", "req/s", "req/s vs redis", "CPU us/req", "CPU vs redis"]
    rows = []
    for (pipeline, test), by_server in results.items():
        ref_rps, ref_cpu = by_server.get(REFERENCE, (0, 0))
        for name, (rps, cpu_us) in by_server.items():
            rows.append([test.upper(), pipeline, name, f"{rps:.0f}", ratio(rps, ref_rps),
                         f"{cpu_us:.2f}", ratio(cpu_us, ref_cpu)])
    print(format_table(headers, rows, args.markdown, label_cols=3))


if __name__ == "__main__":
    main()
