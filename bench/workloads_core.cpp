// W1-W4: the core runtime workloads (same semantics as bench/python/workloads.py).
#include <corio/corio.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "bench.hpp"

using namespace std::chrono_literals;
using corio_bench::check;
using corio_bench::now_ns;

namespace {

corio::coro<long> ret(long i) { co_return i; }

// W1: spawn n tasks returning their index, then gather them.
double w1(long n) {
    auto main = [](long n) -> corio::coro<double> {
        const long long t0 = now_ns();
        std::vector<corio::task<long>> tasks;
        tasks.reserve(n);
        for (long i = 0; i < n; ++i) tasks.push_back(corio::create_task(ret(i)));
        std::vector<long> results = co_await corio::gather(std::move(tasks));
        const long long elapsed = now_ns() - t0;
        long long sum = 0;
        for (long r : results) sum += r;
        check(sum == static_cast<long long>(n) * (n - 1) / 2, "W1 sum of task results");
        co_return double(elapsed) / n;
    };
    return corio::run(main(n));
}

long rss_bytes() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) * 1024;
    throw std::runtime_error("VmRSS not found");
}

corio::coro<void> sleeper() { co_await corio::sleep(500ms); }

// W2: n tasks sleeping 0.5 s at once; RSS growth per sleeping task.
double w2(long n) {
    auto main = [](long n) -> corio::coro<double> {
        std::vector<corio::task<void>> tasks;
        tasks.reserve(n);  // the handles' own vector is part of the baseline
        const long baseline = rss_bytes();
        for (long i = 0; i < n; ++i) tasks.push_back(corio::create_task(sleeper()));
        co_await corio::sleep(100ms);
        const long rss = rss_bytes();
        for (auto& t : tasks) check(!t.done(), "W2 all tasks still sleeping at measurement");
        co_await corio::gather(std::move(tasks));
        co_return double(rss - baseline) / n;
    };
    return corio::run(main(n));
}

// W3: a token passed between two tasks through a fresh future per hop.
double w3(long n) {
    auto main = [](long n) -> corio::coro<double> {
        check(n % 2 == 0, "W3 needs an even n");
        corio::future<long> inbox[2];
        long last = 0;
        auto side = [&](int me) -> corio::coro<void> {
            for (long i = 0; i < n / 2; ++i) {
                const long token = co_await inbox[me];
                inbox[me] = corio::future<long>();
                if (token < n) inbox[1 - me].set_result(token + 1);
                last = token;
            }
        };
        const long long t0 = now_ns();
        auto a = corio::create_task(side(0));
        auto b = corio::create_task(side(1));
        inbox[0].set_result(1);
        co_await corio::gather(a, b);
        const long long elapsed = now_ns() - t0;
        check(last == n, "W3 final token");
        co_return double(elapsed) / n;
    };
    return corio::run(main(n));
}

constexpr int w4_depth = 100;

corio::coro<long> chain(int depth) {
    if (depth == 1) co_return 1;
    co_return co_await chain(depth - 1);
}

// W4: n awaits through chains of depth 100 whose leaf does not suspend.
double w4(long n) {
    auto main = [](long n) -> corio::coro<double> {
        check(n % w4_depth == 0, "W4 needs n to be a multiple of 100");
        const long long t0 = now_ns();
        long total = 0;
        for (long i = 0; i < n / w4_depth; ++i) total += co_await chain(w4_depth);
        const long long elapsed = now_ns() - t0;
        check(total == n / w4_depth, "W4 total");
        co_return double(elapsed) / n;
    };
    return corio::run(main(n));
}

corio_bench::workload r1("W1", "ns_per_task", 1'000'000, w1);
corio_bench::workload r2("W2", "bytes_per_task", 100'000, w2);
corio_bench::workload r3("W3", "ns_per_hop", 1'000'000, w3);
corio_bench::workload r4("W4", "ns_per_await", 1'000'000, w4);

}  // namespace
