// bench_corio WORKLOAD [--n N]: runs one corio workload and prints
// {"workload":...,"impl":"corio","metric":...,"value":...,"n":...}.
// bench_floor is the same driver over bench/reference's workloads, with
// "impl":"floor". `--list` prints the workload names, one per line; `--all`
// runs them all.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "bench.hpp"

#ifndef CORIO_BENCH_IMPL
#define CORIO_BENCH_IMPL "corio"
#endif

namespace corio_bench {

struct entry {
    const char* name;
    const char* metric;
    long default_n;
    workload_fn fn;
};

namespace {

std::vector<entry>& registry() {
    static std::vector<entry> r;
    return r;
}

}  // namespace

workload::workload(const char* name, const char* metric, long default_n, workload_fn fn) {
    registry().push_back({name, metric, default_n, fn});
}

}  // namespace corio_bench

namespace {

// Runs one workload and prints its JSON line; false if it failed.
bool run(const corio_bench::entry& e, long n) {
    if (n <= 0) n = e.default_n;
    try {
        const double value = e.fn(n);
        std::printf("{\"workload\":\"%s\",\"impl\":\"%s\",\"metric\":\"%s\",\"value\":%.3f,\"n\":%ld}\n",
                    e.name, CORIO_BENCH_IMPL, e.metric, value, n);
        return true;
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "%s failed: %s\n", e.name, ex.what());
        return false;
    }
}

}  // namespace

int main(int argc, char** argv) {
    using corio_bench::registry;
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s WORKLOAD|--all [--n N] | --list\nworkloads:", argv[0]);
        for (auto& e : registry()) std::fprintf(stderr, " %s", e.name);
        std::fprintf(stderr, "\n");
        return 2;
    }
    if (std::strcmp(argv[1], "--list") == 0) {
        for (auto& e : registry()) std::printf("%s\n", e.name);
        return 0;
    }
    long n = 0;
    for (int i = 2; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--n") == 0) n = std::atol(argv[i + 1]);
    // --all: every workload in turn (the ctest smoke run, with a small n:
    // each workload checks its own result).
    if (std::strcmp(argv[1], "--all") == 0) {
        bool ok = true;
        for (auto& e : registry()) ok = run(e, n) && ok;
        return ok ? 0 : 1;
    }
    for (auto& e : registry())
        if (std::strcmp(e.name, argv[1]) == 0) return run(e, n) ? 0 : 1;
    std::fprintf(stderr, "unknown workload %s\n", argv[1]);
    return 2;
}
