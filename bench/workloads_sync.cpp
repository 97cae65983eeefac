// W3b (the W3 ping-pong through a queue<int>(1) per direction, and through an
// event per direction) and the uncontended lock; same semantics as
// bench/python/workloads.py: two tasks, a hop is one wake-up of the receiving
// side, n even; side 0 receives hop 1 from main, each side receives n/2 times
// and passes token+1 on unless token == n; the final token must be n.
#include <corio/corio.hpp>
#include <corio/sync/event.hpp>
#include <corio/sync/lock.hpp>
#include <corio/sync/queue.hpp>

#include "bench.hpp"

using corio_bench::check;
using corio_bench::now_ns;

namespace {

corio::coro<void> queue_side(corio::queue<long>* queues, int me, long n, long* last) {
    for (long i = 0; i < n / 2; ++i) {
        const long token = co_await queues[me].get();
        if (token < n) co_await queues[1 - me].put(token + 1);
        *last = token;
    }
}

corio::coro<double> w3b_queue_main(long n) {
    check(n > 0 && n % 2 == 0, "W3b_queue needs an even n");
    corio::queue<long> queues[2] = {corio::queue<long>(1), corio::queue<long>(1)};
    long last = 0;
    const long long t0 = now_ns();
    auto a = corio::create_task(queue_side(queues, 0, n, &last));
    auto b = corio::create_task(queue_side(queues, 1, n, &last));
    queues[0].put_nowait(1);
    co_await a;
    co_await b;
    const long long elapsed = now_ns() - t0;
    check(last == n, "W3b_queue final token");
    co_return double(elapsed) / double(n);
}

corio::coro<void> event_side(corio::event* events, int me, long n, long* hops) {
    for (long i = 0; i < n / 2; ++i) {
        co_await events[me].wait();
        events[me].clear();
        ++*hops;
        if (*hops < n) events[1 - me].set();
    }
}

corio::coro<double> w3b_event_main(long n) {
    check(n > 0 && n % 2 == 0, "W3b_event needs an even n");
    corio::event events[2];
    long hops = 0;
    const long long t0 = now_ns();
    auto a = corio::create_task(event_side(events, 0, n, &hops));
    auto b = corio::create_task(event_side(events, 1, n, &hops));
    events[0].set();
    co_await a;
    co_await b;
    const long long elapsed = now_ns() - t0;
    check(hops == n, "W3b_event hop count");
    co_return double(elapsed) / double(n);
}

corio::coro<double> lock_uncontended_main(long n) {
    corio::lock l;
    long held = 0;
    const long long t0 = now_ns();
    for (long i = 0; i < n; ++i) {
        co_await l.acquire();
        held += l.locked();
        l.release();
    }
    const long long elapsed = now_ns() - t0;
    check(held == n && !l.locked(), "lock_uncontended: every acquire took the lock");
    co_return double(elapsed) / double(n);
}

}  // namespace

// ns per hop through queue<long>(1).
double bench_w3b_queue(long n) { return corio::run(w3b_queue_main(n)); }
// ns per hop through event.
double bench_w3b_event(long n) { return corio::run(w3b_event_main(n)); }
// ns per acquire + release pair of a free lock.
double bench_lock_uncontended(long n) { return corio::run(lock_uncontended_main(n)); }

namespace {
corio_bench::workload r3b_queue("W3b_queue", "ns_per_hop", 200'000, bench_w3b_queue);
corio_bench::workload r3b_event("W3b_event", "ns_per_hop", 200'000, bench_w3b_event);
corio_bench::workload r_lock("lock_uncontended", "ns_per_pair", 10'000'000, bench_lock_uncontended);
}  // namespace
