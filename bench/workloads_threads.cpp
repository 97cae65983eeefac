// W7-W8: the thread bridges (same semantics as bench/python/workloads.py).
//   W7: n run_in_executor(nullptr, identity, i) calls on the default
//       executor, gathered 1,000 at a time; calls per second. The lazily made
//       default executor's start-up is inside the timing, as in Python.
//   W8: another thread submits n coroutines one at a time with
//       run_coroutine_threadsafe and waits for each; µs per round trip.
#include <algorithm>
#include <vector>

#include <corio/corio.hpp>
#include <corio/threads/run_coroutine_threadsafe.hpp>
#include <corio/threads/to_thread.hpp>

#include "bench.hpp"

using corio_bench::check;
using corio_bench::now_ns;

namespace {

constexpr long w7_batch = 1000;

long identity(long i) { return i; }

corio::coro<long> ret(long i) { co_return i; }

corio::coro<double> w7(long n) {
    auto& loop = corio::get_running_loop();
    long long total = 0;
    const long long t0 = now_ns();
    for (long start = 0; start < n; start += w7_batch) {
        std::vector<corio::future<long>> batch;
        batch.reserve(w7_batch);
        for (long i = start; i < std::min(start + w7_batch, n); ++i)
            batch.push_back(loop.run_in_executor(nullptr, identity, i));
        for (long r : co_await corio::gather(std::move(batch))) total += r;
    }
    const long long elapsed = now_ns() - t0;
    check(total == static_cast<long long>(n) * (n - 1) / 2, "W7 sum of call results");
    co_return n / (double(elapsed) / 1e9);
}

corio::coro<double> w8(long n) {
    auto& loop = corio::get_running_loop();
    auto submitter = [&loop, n] {
        for (long i = 0; i < n; ++i)
            check(corio::run_coroutine_threadsafe(ret(i), loop).get() == i, "W8 round-trip result");
    };
    const long long t0 = now_ns();
    co_await corio::to_thread(submitter);
    const long long elapsed = now_ns() - t0;
    co_return double(elapsed) / n / 1e3;
}

}  // namespace

double bench_w7(long n) { return corio::run(w7(n)); }
double bench_w8(long n) { return corio::run(w8(n)); }

namespace {
const corio_bench::workload register_w7("W7", "calls_per_s", 100'000, bench_w7);
const corio_bench::workload register_w8("W8", "us_per_roundtrip", 100'000, bench_w8);
}  // namespace
