// bench_corio WORKLOAD [--n N]: runs one corio workload and prints
// {"workload":...,"impl":"corio","metric":...,"value":...,"n":...}.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "bench.hpp"

namespace corio_bench {
namespace {

struct entry {
    const char* name;
    const char* metric;
    long default_n;
    workload_fn fn;
};

std::vector<entry>& registry() {
    static std::vector<entry> r;
    return r;
}

}  // namespace

workload::workload(const char* name, const char* metric, long default_n, workload_fn fn) {
    registry().push_back({name, metric, default_n, fn});
}

}  // namespace corio_bench

int main(int argc, char** argv) {
    using corio_bench::registry;
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_corio WORKLOAD [--n N]\nworkloads:");
        for (auto& e : registry()) std::fprintf(stderr, " %s", e.name);
        std::fprintf(stderr, "\n");
        return 2;
    }
    long n = 0;
    for (int i = 2; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--n") == 0) n = std::atol(argv[i + 1]);
    for (auto& e : registry()) {
        if (std::strcmp(e.name, argv[1]) != 0) continue;
        if (n <= 0) n = e.default_n;
        try {
            const double value = e.fn(n);
            std::printf("{\"workload\":\"%s\",\"impl\":\"corio\",\"metric\":\"%s\",\"value\":%.3f,\"n\":%ld}\n",
                        e.name, e.metric, value, n);
            return 0;
        } catch (const std::exception& ex) {
            std::fprintf(stderr, "%s failed: %s\n", e.name, ex.what());
            return 1;
        }
    }
    std::fprintf(stderr, "unknown workload %s\n", argv[1]);
    return 2;
}
