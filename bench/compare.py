#!/usr/bin/env python3
"""Run every benchmark workload on corio (C++) and on Python asyncio and uvloop
in the same run, and print a comparison table with ratios.

Usage:
    python3 bench/compare.py --build-dir build-release [--clang-build-dir DIR] [--quick]
                             [--markdown] [--repeat R] [--json out.json] [WORKLOAD ...]

Each implementation is a command that prints exactly one JSON line, e.g.
    {"workload":"W1","impl":"corio","metric":"ns_per_task","value":123.4,"n":1000000}
    corio:          <build-dir>/bench/bench_corio WORKLOAD --n N
    corio-clang:    the same from --clang-build-dir (a clang++ Release build), if given
    asyncio/uvloop: /usr/bin/python3 bench/python/workloads.py WORKLOAD --loop asyncio|uvloop --n N
    floor:          <build-dir>/bench/bench_floor WORKLOAD --n N, for the workloads it lists
                    (bench/reference: bare C++20 coroutines, the best this machine allows);
                    floor-clang the same from --clang-build-dir
N is always passed explicitly so that all implementations run the same size.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR / "python"))
from workloads import WORKLOADS  # noqa: E402  (needs the sys.path entry above)

PY_IMPLS = ("asyncio", "uvloop")
IMPLS = ["corio", *PY_IMPLS]  # "corio-clang" joins after "corio" with --clang-build-dir; floors at the end
RATIO_IMPLS = list(PY_IMPLS)  # "floor" joins when bench_floor is built
HIGHER_IS_BETTER = {"calls_per_s"}
RUN_TIMEOUT_S = 600
RATIO_NOTE = ("ratio > 1 means corio is better: impl/corio for lower-is-better metrics, "
              "corio/impl for higher-is-better ones (" + ", ".join(sorted(HIGHER_IS_BETTER)) + "); "
              "floor/corio is at most about 1, and the closer to 1, the less corio adds to bare coroutines")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_impl(cmd: list[str], workload: str, impl: str, n: int) -> float | None:
    """Run one implementation; return its value, or None (after logging why) on any failure."""
    reported = impl.split("-")[0]  # both builds of corio say "corio", both floors "floor"
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        log(f"  {impl}: timed out after {RUN_TIMEOUT_S} s")
        return None
    if proc.returncode != 0:
        log(f"  {impl}: exit code {proc.returncode}\n{proc.stderr.rstrip()}")
        return None
    lines = proc.stdout.strip().splitlines()
    try:
        if len(lines) != 1:
            raise ValueError(f"expected exactly one line on stdout, got {len(lines)}")
        record = json.loads(lines[0])
        expected = {"workload": workload, "impl": reported, "metric": WORKLOADS[workload].metric, "n": n}
        for key, want in expected.items():
            if record.get(key) != want:
                raise ValueError(f"{key} is {record.get(key)!r}, expected {want!r}")
        value = float(record["value"])
    except (ValueError, KeyError, TypeError) as e:  # json.JSONDecodeError is a ValueError
        log(f"  {impl}: bad output ({e}):\n{proc.stdout.rstrip()}")
        return None
    log(f"  {impl:11} {value:>14,.1f} {record['metric']}")
    return value


def listed_workloads(binary: Path) -> set[str]:
    """The workloads a bench binary implements (its --list), or none if it cannot say."""
    try:
        proc = subprocess.run([str(binary), "--list"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        log(f"{binary}: --list failed ({e})")
        return set()
    return set(proc.stdout.split()) if proc.returncode == 0 else set()


def ratio(metric: str, corio: float | None, other: float | None) -> float | None:
    if corio is None or other is None or corio == 0 or other == 0:
        return None
    return round(corio / other if metric in HIGHER_IS_BETTER else other / corio, 3)


def fmt_value(v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:,.1f}" if abs(v) < 1_000 else f"{v:,.0f}"


def fmt_ratio(r: float | None) -> str:
    return "n/a" if r is None else f"{r:.2f}x"


def table_rows(results: list[dict]) -> tuple[list[str], list[list[str]]]:
    header = ["workload", "metric", "n", *IMPLS, *(f"{impl}/corio" for impl in RATIO_IMPLS)]
    rows = [[r["workload"], r["metric"], f"{r['n']:,}",
             *(fmt_value(r["values"][impl]) for impl in IMPLS),
             *(fmt_ratio(r["ratios"][impl]) for impl in RATIO_IMPLS)]
            for r in results]
    return header, rows


def print_text(results: list[dict]) -> None:
    header, rows = table_rows(results)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        # Left-align the two name columns, right-align the numbers.
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    print(f"# {RATIO_NOTE}")
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def print_markdown(results: list[dict]) -> None:
    header, rows = table_rows(results)
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---", "---"] + ["---:"] * (len(header) - 2)) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\n{RATIO_NOTE[0].upper()}{RATIO_NOTE[1:]}.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                        help=f"workloads to run (default: all of {', '.join(WORKLOADS)})")
    parser.add_argument("--build-dir", type=Path, default=Path("build-release"),
                        help="CMake build directory holding bench/bench_corio (default: build-release)")
    parser.add_argument("--clang-build-dir", type=Path, metavar="DIR",
                        help="also run the bench_corio of this clang++ build (column corio-clang; the "
                             "ratios stay against the first build)")
    parser.add_argument("--quick", action="store_true", help="smaller N for every implementation")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results to this JSON file")
    parser.add_argument("--repeat", type=int, default=1, metavar="R",
                        help="run each implementation R times, interleaved, and keep its best value: on a "
                             "shared machine the best run is the one least disturbed (default: 1)")
    parser.add_argument("--python", default="/usr/bin/python3",
                        help="interpreter for the Python versions; needs uvloop (default: /usr/bin/python3)")
    args = parser.parse_args()

    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")

    corio_bin = args.build_dir / "bench" / "bench_corio"
    corio_built = corio_bin.is_file()
    if not corio_built:
        log(f"corio: not built ({corio_bin} not found)")
    clang_bin = args.clang_build_dir / "bench" / "bench_corio" if args.clang_build_dir else None
    if clang_bin is not None:
        if not clang_bin.is_file():
            parser.error(f"--clang-build-dir: {clang_bin} not found")
        IMPLS.insert(1, "corio-clang")
    # The floor runs only the workloads it implements.
    floor_bins = {"floor": args.build_dir / "bench" / "bench_floor"}
    if args.clang_build_dir:
        floor_bins["floor-clang"] = args.clang_build_dir / "bench" / "bench_floor"
    floor_workloads = {impl: listed_workloads(path) for impl, path in floor_bins.items() if path.is_file()}
    if "floor" in floor_workloads:
        RATIO_IMPLS.append("floor")
    IMPLS.extend(floor_workloads)
    py_script = BENCH_DIR / "python" / "workloads.py"

    results = []
    for name in args.workloads or WORKLOADS:
        workload = WORKLOADS[name]
        n = workload.quick_n if args.quick else workload.default_n
        log(f"{name} (n={n:,})")
        commands = {impl: [args.python, str(py_script), name, "--loop", impl, "--n", str(n)] for impl in PY_IMPLS}
        if corio_built:
            commands["corio"] = [str(corio_bin), name, "--n", str(n)]
        if clang_bin is not None:
            commands["corio-clang"] = [str(clang_bin), name, "--n", str(n)]
        for impl, listed in floor_workloads.items():
            if name in listed:
                commands[impl] = [str(floor_bins[impl]), name, "--n", str(n)]
        runs: dict[str, list[float]] = {impl: [] for impl in IMPLS}
        for _ in range(max(1, args.repeat)):
            for impl in IMPLS:
                if impl in commands and (v := run_impl(commands[impl], name, impl, n)) is not None:
                    runs[impl].append(v)
        best = max if workload.metric in HIGHER_IS_BETTER else min
        values = {impl: best(runs[impl]) if runs[impl] else None for impl in IMPLS}
        results.append({
            "workload": name,
            "metric": workload.metric,
            "n": n,
            "higher_is_better": workload.metric in HIGHER_IS_BETTER,
            "values": values,
            "ratios": {impl: ratio(workload.metric, values["corio"], values[impl]) for impl in RATIO_IMPLS},
        })

    if args.markdown:
        print_markdown(results)
    else:
        print_text(results)
    if args.json:
        args.json.write_text(json.dumps({"quick": args.quick, "note": RATIO_NOTE, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
