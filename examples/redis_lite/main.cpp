// redis_lite: a small redis-compatible server on corio's streams.
//
//   redis_lite [--port N] [--host H] [--max-bulk BYTES]
//
// --port 0 (the default) picks a free port. The first stdout line is always
// "PORT <n>" (flushed), so scripts and bench/net/run_redis.py can find it.
// SIGINT or SIGTERM stops it. Try it with redis-cli -p <n>, or measure it
// with redis-benchmark (bench W6: bench/net/run_redis.py).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <corio/corio.hpp>

#include "server.hpp"

namespace {

corio::coro<void> serve(redis_lite::options opts) {
    auto srv = co_await redis_lite::instance::start(std::move(opts));
    std::printf("PORT %u\n", static_cast<unsigned>(srv.port()));
    std::fflush(stdout);
    corio::event_loop& loop = corio::get_running_loop();
    loop.add_signal_handler(SIGTERM, [srv]() mutable { srv.close(); });
    loop.add_signal_handler(SIGINT, [srv]() mutable { srv.close(); });
    co_await srv.serve_forever();
}

bool parse_size(const char* text, long long lo, long long hi, long long& out) {
    char* end = nullptr;
    out = std::strtoll(text, &end, 10);
    return end != text && *end == '\0' && out >= lo && out <= hi;
}

}  // namespace

int main(int argc, char** argv) {
    redis_lite::options opts;
    for (int i = 1; i < argc; i += 2) {  // every option takes a value
        const bool has_value = i + 1 < argc;
        long long n = 0;
        if (std::strcmp(argv[i], "--port") == 0 && has_value && parse_size(argv[i + 1], 0, 65535, n)) {
            opts.port = static_cast<int>(n);
        } else if (std::strcmp(argv[i], "--host") == 0 && has_value) {
            opts.host = argv[i + 1];
        } else if (std::strcmp(argv[i], "--max-bulk") == 0 && has_value &&
                   parse_size(argv[i + 1], 1, 512LL * 1024 * 1024, n)) {
            opts.limits.max_bulk_len = static_cast<std::size_t>(n);
        } else {
            std::fprintf(stderr, "usage: %s [--port N] [--host H] [--max-bulk BYTES]\n", argv[0]);
            return 2;
        }
    }
    try {
        corio::run(serve(std::move(opts)));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "redis_lite: %s\n", e.what());
        return 1;
    }
}
