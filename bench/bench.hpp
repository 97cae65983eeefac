// The bench_corio workload registry. Each workload file registers its
// workloads with a static `corio_bench::workload`; bench_corio runs one by
// name and prints the JSON line that bench/compare.py expects.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

namespace corio_bench {

using workload_fn = double (*)(long n);

struct workload {
    workload(const char* name, const char* metric, long default_n, workload_fn fn);
};

// Fails the run loudly when a workload computes a wrong result.
inline void check(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error("result check failed: " + what);
}

inline long long now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace corio_bench
