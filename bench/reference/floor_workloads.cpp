// bench_floor: W1 and W4 with the least machinery C++20 coroutines allow, so
// that every comparison run shows what this machine and compiler can do at
// best. No loop, no task state, no cancellation, no error reporting: a task
// is a pooled frame and a ready-queue entry, and an awaited coroutine is the
// textbook lazy task (symmetric transfer down and back up, the awaiter frees
// the frame). corio pays for everything it adds over this; bench/compare.py
// prints the ratio as floor/corio.
#include <coroutine>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <new>
#include <utility>
#include <vector>

#include "../bench.hpp"

using corio_bench::check;
using corio_bench::now_ns;

namespace {

// Free lists by 16-byte size class, fed by 2 MiB slabs: as tight as a
// frame allocator gets.
struct free_block {
    free_block* next;
};
constexpr std::size_t granule = 16;
constexpr std::size_t classes = 16;  // frames up to 256 bytes
constexpr std::size_t slab_size = 2 << 20;
free_block* free_heads[classes];
char* bump = nullptr;
char* bump_end = nullptr;
std::vector<void*> slabs;  // released at exit, so leak checkers stay quiet

struct slab_release {
    ~slab_release() {
        for (void* s : slabs) std::free(s);
    }
} release_slabs_at_exit;

[[gnu::noinline]] void new_slab() {
    bump = static_cast<char*>(std::malloc(slab_size));
    if (!bump) throw std::bad_alloc();
    slabs.push_back(bump);
    bump_end = bump + slab_size;
}

[[noreturn, gnu::noinline]] void too_large() { throw std::bad_alloc(); }

// The hot path is inline, as corio's is.
[[gnu::always_inline]] inline void* allocate(std::size_t n) {
    const std::size_t c = (n + granule - 1) / granule;
    if (c >= classes) too_large();
    if (free_block* b = free_heads[c]) {
        free_heads[c] = b->next;
        return b;
    }
    const std::size_t bytes = c * granule;
    if (static_cast<std::size_t>(bump_end - bump) < bytes) new_slab();
    return std::exchange(bump, bump + bytes);
}

[[gnu::always_inline]] inline void deallocate(void* p, std::size_t n) noexcept {
    const std::size_t c = (n + granule - 1) / granule;
    auto* b = static_cast<free_block*>(p);
    b->next = free_heads[c];
    free_heads[c] = b;
}

struct pooled_promise {
    [[gnu::always_inline]] static void* operator new(std::size_t n) { return allocate(n); }
    [[gnu::always_inline]] static void operator delete(void* p, std::size_t n) noexcept { deallocate(p, n); }
    std::suspend_always initial_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { std::terminate(); }
};

// The lazy awaitable task: resumed by its awaiter, resumes it back at the end.
class lazy {
public:
    struct promise_type;
    using handle = std::coroutine_handle<promise_type>;
    struct promise_type : pooled_promise {
        std::coroutine_handle<> awaiting;
        long value = 0;
        lazy get_return_object() noexcept { return lazy(handle::from_promise(*this)); }
        struct back_to_awaiter {
            bool await_ready() noexcept { return false; }
            std::coroutine_handle<> await_suspend(handle h) noexcept { return h.promise().awaiting; }
            void await_resume() noexcept {}
        };
        back_to_awaiter final_suspend() noexcept { return {}; }
        void return_value(long v) noexcept { value = v; }
    };

    explicit lazy(handle h) noexcept : h_(h) {}
    lazy(lazy&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    lazy& operator=(lazy&&) = delete;
    ~lazy() {
        if (h_) h_.destroy();
    }

    bool await_ready() noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
        h_.promise().awaiting = awaiting;
        return h_;
    }
    long await_resume() noexcept { return h_.promise().value; }

private:
    handle h_;
};

// Runs a coroutine body to its end right away (the benchmark's "main").
struct eager {
    struct promise_type {
        eager get_return_object() noexcept { return {}; }
        std::suspend_never initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
};

// A finished task stays suspended at its end, holding its result. Its block
// is at least MinBytes long (W1_bytes_N: to tell the cost of memory from the
// cost of instructions).
template <std::size_t MinBytes>
struct task_frame {
    struct promise_type;
    using handle = std::coroutine_handle<promise_type>;
    struct promise_type : pooled_promise {
        [[gnu::always_inline]] static void* operator new(std::size_t n) {
            return allocate(n < MinBytes ? MinBytes : n);
        }
        [[gnu::always_inline]] static void operator delete(void* p, std::size_t n) noexcept {
            deallocate(p, n < MinBytes ? MinBytes : n);
        }
        long value = 0;
        task_frame get_return_object() noexcept { return {handle::from_promise(*this)}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        void return_value(long v) noexcept { value = v; }
    };
    handle h;
};

template <std::size_t MinBytes>
task_frame<MinBytes> ret(long i) {
    co_return i;
}

// W1: spawn n tasks returning their index (frames queued FIFO), run the
// queue, then gather the results in order.
template <std::size_t MinBytes = 0>
double w1(long n) {
    const long long t0 = now_ns();
    std::vector<typename task_frame<MinBytes>::handle> tasks;
    tasks.reserve(n);
    std::vector<std::coroutine_handle<>> ready;  // all pushes come before all pops here
    for (long i = 0; i < n; ++i) {
        tasks.push_back(ret<MinBytes>(i).h);
        ready.push_back(tasks.back());
    }
    for (auto h : ready) h.resume();
    std::vector<long> results;
    results.reserve(n);
    for (auto h : tasks) {
        results.push_back(h.promise().value);
        h.destroy();
    }
    const long long elapsed = now_ns() - t0;
    long long sum = 0;
    for (long r : results) sum += r;
    check(sum == static_cast<long long>(n) * (n - 1) / 2, "W1 sum of task results");
    return double(elapsed) / n;
}

constexpr int w4_depth = 100;

lazy chain(int depth) {
    if (depth == 1) co_return 1;
    co_return co_await chain(depth - 1);
}

eager w4_main(long chains, long& total) {
    for (long i = 0; i < chains; ++i) total += co_await chain(w4_depth);
}

// W4: n awaits through chains of depth 100 whose leaf does not suspend.
double w4(long n) {
    check(n % w4_depth == 0, "W4 needs n to be a multiple of 100");
    long total = 0;
    const long long t0 = now_ns();
    w4_main(n / w4_depth, total);
    const long long elapsed = now_ns() - t0;
    check(total == n / w4_depth, "W4 total");
    return double(elapsed) / n;
}

corio_bench::workload r1("W1", "ns_per_task", 1'000'000, w1<>);
// W1 with larger blocks: what each byte of a task costs here. corio's
// task<long> and its coroutine frame take 96 + 64 = 160 bytes in its pool.
corio_bench::workload r1_64("W1_bytes_64", "ns_per_task", 1'000'000, w1<64>);
corio_bench::workload r1_96("W1_bytes_96", "ns_per_task", 1'000'000, w1<96>);
corio_bench::workload r1_128("W1_bytes_128", "ns_per_task", 1'000'000, w1<128>);
corio_bench::workload r1_160("W1_bytes_160", "ns_per_task", 1'000'000, w1<160>);
corio_bench::workload r4("W4", "ns_per_await", 1'000'000, w4);

}  // namespace
