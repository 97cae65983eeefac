"""Shared by run_echo.py and run_redis.py: server lifecycle, per-process CPU
accounting and table output.

Server and load generator are pinned to different CPUs by default (--pin):
unpinned, the scheduler sometimes co-locates them and sometimes not, which
alone moves 1-connection latency by 2-3x on a 2-core machine. On a shared
machine, --repeat N helps further: other load can only make a figure worse,
so the best of N runs, with servers interleaved, is the least disturbed one.

A server command either prints "PORT <n>" as its first stdout line (and is
given port 0 by its command line), or contains a "{port}" placeholder that is
replaced by a free port, after which the driver waits until the port accepts
connections.
"""

import contextlib
import glob
import os
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import time

STARTUP_TIMEOUT_S = 15.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def _server_arg(text):
    name, sep, command = text.partition("=")
    if not sep or not name or not command:
        raise ValueError(f"expected name=command, got {text!r}")
    return name, command


def _pin_arg(text):
    if text == "none":
        return None, None
    server_cpu, client_cpu = (int(cpu) for cpu in text.split(","))
    return server_cpu, client_cpu


def add_common_args(parser):
    parser.add_argument("--server", type=_server_arg, action="append", default=[],
                        metavar="NAME=COMMAND", help="extra server to measure (repeatable)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="measure only these servers (repeatable)")
    parser.add_argument("--pin", type=_pin_arg, default=(0, 1), metavar="SERVER_CPU,CLIENT_CPU",
                        help="CPUs for server and load generator (default 0,1; 'none' to not pin)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run every measurement N times (servers interleaved), keep the best of each figure")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")


def pinned_to(cpu):
    """A preexec_fn pinning the child, and so all its threads, to `cpu`."""
    return None if cpu is None else lambda: os.sched_setaffinity(0, {cpu})


def select_servers(servers, only):
    """Keeps the (name, command) pairs named in `only` (all when empty)."""
    unknown = set(only) - {name for name, _ in servers}
    if unknown:
        sys.exit(f"unknown server(s): {', '.join(sorted(unknown))}")
    return [(name, cmd) for name, cmd in servers if not only or name in only]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(proc, port):
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} during startup")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    raise RuntimeError(f"server did not listen on port {port} within {STARTUP_TIMEOUT_S}s")


def _read_port_line(proc):
    ready, _, _ = select.select([proc.stdout], [], [], STARTUP_TIMEOUT_S)
    line = proc.stdout.readline() if ready else ""
    match = re.fullmatch(r"PORT (\d+)\s*", line)
    if not match:
        raise RuntimeError(f"expected 'PORT <n>' as first output line, got {line!r}")
    return int(match.group(1))


class Server:
    """A running server process: its port and CPU time consumed so far."""

    def __init__(self, command, cpu):
        templated = "{port}" in command
        if templated:
            self.port = _free_port()
            command = command.replace("{port}", str(self.port))
        # A templated server's output is not needed, and DEVNULL keeps a chatty
        # one (redis-server's log) from blocking. Otherwise whatever follows the
        # PORT line (a CPU line at exit) fits in the pipe buffer.
        self.proc = subprocess.Popen(shlex.split(command), text=True, preexec_fn=pinned_to(cpu),
                                     stdout=subprocess.DEVNULL if templated else subprocess.PIPE)
        try:
            if templated:
                _wait_listening(self.proc, self.port)
            else:
                self.port = _read_port_line(self.proc)
        except BaseException:
            self.proc.kill()
            self.proc.wait()
            raise

    def cpu_seconds(self):
        """On-CPU time of all the server's threads, in seconds.

        Summed from /proc/<pid>/task/*/schedstat (nanoseconds) rather than
        utime+stime of /proc/<pid>/stat, which has 10 ms granularity: too
        coarse for phases lasting well under a second.
        """
        total_ns = None
        for path in glob.glob(f"/proc/{self.proc.pid}/task/*/schedstat"):
            with contextlib.suppress(FileNotFoundError):  # thread just exited
                with open(path) as f:
                    total_ns = (total_ns or 0) + int(f.read().split()[0])
        if total_ns is None:
            raise RuntimeError(f"no CPU time for pid {self.proc.pid}: server exited?")
        return total_ns / 1e9

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


@contextlib.contextmanager
def running(command, cpu):
    server = Server(command, cpu)
    try:
        yield server
    finally:
        server.stop()


def ratio(value, reference):
    return f"{value / reference:.2f}x" if reference else "-"


def format_table(headers, rows, markdown, label_cols=1):
    """Plain aligned text, or a Markdown table for the docs. The first
    `label_cols` columns are left-aligned, the numbers right-aligned."""
    cells = [[str(c) for c in row] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in cells]
        return "\n".join(lines)
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]

    def fmt(row):
        return "  ".join(c.ljust(w) if i < label_cols else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    return "\n".join([fmt(headers), fmt(["-" * w for w in widths])] + [fmt(row) for row in cells])
