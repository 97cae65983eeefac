// A loop per core: every core runs its own event loop in its own thread, and
// the loops share work by handing each other coroutines with
// run_coroutine_threadsafe. C++ has no GIL, so the loops really compute in
// parallel (seed 002: "one event loop per thread; run_coroutine_threadsafe
// picks the thread a coroutine runs on").
//
// The pattern:
//   1. one `core` per hardware thread: a thread running loop.run_forever();
//   2. run_coroutine_threadsafe(coro, core.loop) from anywhere gives a
//      concurrent_future; a coroutine on another loop co_awaits it without
//      blocking its own loop, a plain thread calls get();
//   3. stop a core with call_soon_threadsafe(stop), join, then close.
// Everything loop-local (futures, tasks, locks, queues) stays on its loop:
// send values (and coroutines) across, never handles.
//
// Here the main loop splits "count the primes below N" into chunks dealt
// round-robin to the cores; a core that gets a large chunk keeps half and
// forwards the other half to the next core, loop to loop.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <corio/corio.hpp>

using namespace std::chrono_literals;

// An event loop running in its own thread until destroyed.
struct core {
    corio::event_loop loop;
    std::thread thread{[this] { loop.run_forever(); }};

    ~core() {
        loop.call_soon_threadsafe([this] { loop.stop(); });
        thread.join();
    }  // then ~event_loop closes the loop
};

static std::vector<std::unique_ptr<core>> cores;

static bool is_prime(long n) {
    if (n < 2) return false;
    for (long d = 2; d * d <= n; ++d)
        if (n % d == 0) return false;
    return true;
}

// Counts the primes in [lo, hi) on whichever loop runs it, yielding now and
// then so that the loop stays responsive to the other work handed to it.
corio::coro<long> count_primes(long lo, long hi, std::size_t here) {
    constexpr long large = 200'000;
    if (hi - lo > large) {
        const long mid = lo + (hi - lo) / 2;
        const std::size_t next = (here + 1) % cores.size();
        auto other_half = corio::run_coroutine_threadsafe(count_primes(mid, hi, next), cores[next]->loop);
        const long mine = co_await count_primes(lo, mid, here);
        co_return mine + co_await other_half;  // does not block this loop
    }
    long count = 0;
    for (long n = lo; n < hi; ++n) {
        if (is_prime(n)) ++count;
        if (n % 10'000 == 0) co_await corio::sleep(0s);
    }
    co_return count;
}

corio::coro<long> main_(long limit, long chunks) {
    std::vector<corio::concurrent_future<long>> parts;
    for (long i = 0; i < chunks; ++i) {
        const long lo = limit * i / chunks;
        const long hi = limit * (i + 1) / chunks;
        const std::size_t c = static_cast<std::size_t>(i) % cores.size();
        parts.push_back(corio::run_coroutine_threadsafe(count_primes(lo, hi, c), cores[c]->loop));
    }
    long total = 0;
    for (auto& part : parts) total += co_await part;
    co_return total;
}

int main(int argc, char** argv) {
    long limit = 2'000'000;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--limit") == 0) limit = std::atol(argv[i + 1]);
    if (limit < 1) {
        std::fprintf(stderr, "usage: loop_per_core [--limit N]   (N >= 1)\n");
        return 2;
    }

    const unsigned n = std::max(2u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) cores.push_back(std::make_unique<core>());

    const long chunks = 4L * n;
    const long total = corio::run(main_(limit, chunks));
    cores.clear();  // stop and join every loop

    std::printf("primes below %ld: %ld (%ld chunks over %u loops, one per core)\n", limit, total, chunks, n);
}
