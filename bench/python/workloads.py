#!/usr/bin/env python3
"""Python (asyncio / uvloop) reference versions of the corio benchmark workloads.

Usage:
    /usr/bin/python3 bench/python/workloads.py WORKLOAD --loop asyncio|uvloop [--n N]

Prints exactly one JSON line on stdout, for example:
    {"workload":"W1","impl":"asyncio","metric":"ns_per_task","value":1234.5,"n":1000000}

Every workload is timed from inside the already-running loop, so interpreter
start-up and loop creation are not measured.  Each one also checks its result
and exits non-zero if it is wrong.
"""

import argparse
import asyncio
import gc
import json
import sys
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

W4_DEPTH = 100     # coroutine frames per chain in W4
W7_BATCH = 1_000   # executor calls gathered at once in W7


def _check(ok: bool, what: str) -> None:
    # Not `assert`: the checks must survive `python -O`.
    if not ok:
        raise RuntimeError(f"result check failed: {what}")


def _require_multiple(n: int, k: int, workload: str) -> None:
    if n % k:
        raise ValueError(f"{workload} needs --n to be a multiple of {k}, got {n}")


async def _ret(i: int) -> int:
    return i


# W1: spawn n tasks, then gather them.  ns_per_task = total wall time / n.
async def w1(n: int) -> float:
    t0 = time.perf_counter_ns()
    tasks = [asyncio.create_task(_ret(i)) for i in range(n)]
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter_ns() - t0
    _check(sum(results) == n * (n - 1) // 2, "W1 sum of task results")
    return elapsed / n


# W2: n tasks sleeping at once.  bytes_per_task = RSS growth while they sleep / n.
def _rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024  # reported in kB
    raise RuntimeError("VmRSS not found in /proc/self/status")


async def _sleeper(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def w2(n: int) -> float:
    gc.collect()
    baseline = _rss_bytes()
    tasks = [asyncio.create_task(_sleeper(0.5)) for _ in range(n)]
    # Every task takes its first step (and starts its 0.5 s timer) in the loop
    # iteration after we yield, so after 0.1 s all of them are suspended.
    await asyncio.sleep(0.1)
    rss = _rss_bytes()
    _check(not any(t.done() for t in tasks), "W2 all tasks still sleeping at measurement")
    await asyncio.gather(*tasks)
    return (rss - baseline) / n


# W3 family: pass a token back and forth between two tasks, n hops in total.
# A hop is one wake-up of the receiving side.  Side 0 is woken by kick() for
# hop 1; each side then receives n/2 times and forwards the token unless it
# was the last hop.  ns_per_hop = total wall time / n.
async def _ping_pong(side: Callable[[int], Awaitable[None]], kick: Callable[[], None]) -> int:
    t0 = time.perf_counter_ns()
    tasks = [asyncio.create_task(side(0)), asyncio.create_task(side(1))]
    kick()
    await asyncio.gather(*tasks)
    return time.perf_counter_ns() - t0


async def w3(n: int) -> float:
    """Each hop goes through a fresh loop future."""
    _require_multiple(n, 2, "W3")
    loop = asyncio.get_running_loop()
    inbox = [loop.create_future(), loop.create_future()]  # inbox[k]: future side k awaits next
    last = [0]

    async def side(me: int) -> None:
        for _ in range(n // 2):
            token = await inbox[me]
            # Replace before forwarding: the peer can only resolve our next
            # future after we have woken it, so it always sees the fresh one.
            inbox[me] = loop.create_future()
            if token < n:
                inbox[1 - me].set_result(token + 1)
            last[0] = token

    elapsed = await _ping_pong(side, lambda: inbox[0].set_result(1))
    _check(last[0] == n, "W3 final token")
    return elapsed / n


async def w3b_queue(n: int) -> float:
    """Each hop goes through an asyncio.Queue(1) per direction."""
    _require_multiple(n, 2, "W3b_queue")
    queues = [asyncio.Queue(1), asyncio.Queue(1)]
    last = [0]

    async def side(me: int) -> None:
        for _ in range(n // 2):
            token = await queues[me].get()
            if token < n:
                await queues[1 - me].put(token + 1)
            last[0] = token

    elapsed = await _ping_pong(side, lambda: queues[0].put_nowait(1))
    _check(last[0] == n, "W3b_queue final token")
    return elapsed / n


async def w3b_event(n: int) -> float:
    """Each hop goes through an asyncio.Event per direction (wait, clear, set the peer's)."""
    _require_multiple(n, 2, "W3b_event")
    events = [asyncio.Event(), asyncio.Event()]
    hops = 0

    async def side(me: int) -> None:
        nonlocal hops
        for _ in range(n // 2):
            await events[me].wait()
            events[me].clear()
            hops += 1
            if hops < n:
                events[1 - me].set()

    elapsed = await _ping_pong(side, events[0].set)
    _check(hops == n, "W3b_event hop count")
    return elapsed / n


# W4: n awaits through chains of W4_DEPTH coroutine frames.  Frame d awaits
# frame d-1 and the leaf (d == 1) returns without suspending, so one chain is
# W4_DEPTH awaits counting main's await of the top frame.
async def _chain(depth: int) -> int:
    if depth == 1:
        return 1
    return await _chain(depth - 1)


async def w4(n: int) -> float:
    _require_multiple(n, W4_DEPTH, "W4")
    chains = n // W4_DEPTH
    total = 0
    t0 = time.perf_counter_ns()
    for _ in range(chains):
        total += await _chain(W4_DEPTH)
    elapsed = time.perf_counter_ns() - t0
    _check(total == chains, "W4 sum of chain results")
    return elapsed / n


# W7: n trivial calls on the default executor, gathered W7_BATCH at a time.
# The (lazily created) default executor's start-up is inside the timing.
def _identity(i: int) -> int:
    return i


async def w7(n: int) -> float:
    loop = asyncio.get_running_loop()
    total = 0
    t0 = time.perf_counter_ns()
    for start in range(0, n, W7_BATCH):
        batch = range(start, min(start + W7_BATCH, n))
        results = await asyncio.gather(*(loop.run_in_executor(None, _identity, i) for i in batch))
        total += sum(results)
    elapsed = time.perf_counter_ns() - t0
    _check(total == n * (n - 1) // 2, "W7 sum of call results")
    return n / (elapsed / 1e9)


# W8: a foreign thread submits n coroutines one at a time with
# run_coroutine_threadsafe and blocks on each result.
async def w8(n: int) -> float:
    loop = asyncio.get_running_loop()

    def submitter() -> None:
        for i in range(n):
            _check(asyncio.run_coroutine_threadsafe(_ret(i), loop).result() == i,
                   "W8 round-trip result")

    t0 = time.perf_counter_ns()
    await asyncio.to_thread(submitter)
    elapsed = time.perf_counter_ns() - t0
    return elapsed / n / 1e3


@dataclass(frozen=True)
class Workload:
    run: Callable[[int], Awaitable[float]]
    metric: str
    default_n: int  # full-size run
    quick_n: int    # used by `compare.py --quick` for every implementation


WORKLOADS = {
    "W1": Workload(w1, "ns_per_task", 1_000_000, 100_000),
    "W2": Workload(w2, "bytes_per_task", 100_000, 10_000),
    "W3": Workload(w3, "ns_per_hop", 1_000_000, 100_000),
    "W3b_queue": Workload(w3b_queue, "ns_per_hop", 200_000, 20_000),
    "W3b_event": Workload(w3b_event, "ns_per_hop", 200_000, 20_000),
    "W4": Workload(w4, "ns_per_await", 1_000_000, 100_000),
    "W7": Workload(w7, "calls_per_s", 100_000, 10_000),
    "W8": Workload(w8, "us_per_roundtrip", 100_000, 5_000),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--n", type=int, help="problem size (default: the workload's full size)")
    args = parser.parse_args()

    workload = WORKLOADS[args.workload]
    n = workload.default_n if args.n is None else args.n
    if n <= 0:
        parser.error("--n must be positive")

    if args.loop == "uvloop":
        import uvloop  # only needed, and only required to be installed, for this mode
        loop_factory = uvloop.new_event_loop
    else:
        loop_factory = asyncio.new_event_loop

    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            value = runner.run(workload.run(n))
    except ValueError as e:
        parser.error(str(e))

    print(json.dumps({"workload": args.workload, "impl": args.loop, "metric": workload.metric,
                      "value": round(value, 3), "n": n}, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
