// thread_pool_executor: a bounded FIFO of jobs served by threads started on
// demand.
//
// The hand-off must be cheap (W7: a trivial call costs about a microsecond
// end to end), so the queue is a lock-free bounded ring (Vyukov's MPMC
// queue): submitting and taking a job never blocks on a lock another thread
// may hold while preempted. Locks are only for going to sleep, waking up and
// shutting down. A submit wakes a sleeping worker only when none is already
// being woken, and starts a thread only when no worker is idle, so a burst
// of submits costs a few wake-ups, not one per job.
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "corio/threads/executor.hpp"

namespace corio {
namespace {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
}

std::size_t round_up_pow2(std::size_t n) {
    std::size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

// Dmitry Vyukov's bounded MPMC queue: each cell's sequence number says
// whose turn it is (a producer's at lap k, or a consumer's).
class job_ring {
public:
    explicit job_ring(std::size_t capacity) : mask_(capacity - 1), cells_(new cell[capacity]) {
        for (std::size_t i = 0; i < capacity; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
    }

    bool try_push(executor_job* job) noexcept {
        std::size_t pos = tail_.load(std::memory_order_relaxed);
        for (;;) {
            cell& c = cells_[pos & mask_];
            const std::size_t seq = c.seq.load(std::memory_order_acquire);
            const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos);
            if (diff == 0) {
                if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                    c.job = job;
                    c.seq.store(pos + 1, std::memory_order_release);
                    return true;
                }
            } else if (diff < 0) {
                return false;  // full
            } else {
                pos = tail_.load(std::memory_order_relaxed);
            }
        }
    }

    executor_job* try_pop() noexcept {
        std::size_t pos = head_.load(std::memory_order_relaxed);
        for (;;) {
            cell& c = cells_[pos & mask_];
            const std::size_t seq = c.seq.load(std::memory_order_acquire);
            const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos + 1);
            if (diff == 0) {
                if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                    executor_job* job = c.job;
                    c.seq.store(pos + mask_ + 1, std::memory_order_release);
                    return job;
                }
            } else if (diff < 0) {
                return nullptr;  // empty
            } else {
                pos = head_.load(std::memory_order_relaxed);
            }
        }
    }

    std::size_t capacity() const noexcept { return mask_ + 1; }

private:
    struct cell {
        std::atomic<std::size_t> seq;
        executor_job* job = nullptr;
    };
    const std::size_t mask_;
    std::unique_ptr<cell[]> cells_;
    alignas(64) std::atomic<std::size_t> tail_{0};
    alignas(64) std::atomic<std::size_t> head_{0};
};

// How many times an idle worker looks at the ring before it sleeps: the
// next job of a burst usually arrives within a few hundred nanoseconds.
constexpr int spins_before_sleep = 200;

}  // namespace

struct thread_pool_executor::state {
    state(std::size_t workers, std::size_t queued) : max_workers(workers), ring(round_up_pow2(queued)) {}

    void worker_main();
    executor_job* wait_for_job();
    void wake_one_if_sleeping();

    const std::size_t max_workers;
    job_ring ring;

    // Sleeping and waking. `sleepers` is read without the lock by submit().
    std::mutex sleep_mutex;
    std::condition_variable work_ready;
    std::atomic<std::size_t> sleepers{0};
    std::atomic<std::size_t> wakeups{0};  // notified, not yet awake (changed under sleep_mutex)
    std::atomic<bool> stopping{false};

    // Submitting, starting threads, shutting down.
    std::mutex control_mutex;
    bool shut_down = false;
    std::vector<std::thread> threads;
};

std::size_t thread_pool_executor::default_max_workers() noexcept {
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    return std::min<std::size_t>(32, cores + 4);
}

thread_pool_executor::thread_pool_executor(std::size_t max_workers, std::size_t max_queued) {
    if (max_workers == 0) throw std::invalid_argument("thread_pool_executor: max_workers must be greater than 0");
    if (max_queued == 0) throw std::invalid_argument("thread_pool_executor: max_queued must be greater than 0");
    s_ = std::make_unique<state>(max_workers, max_queued);
}

thread_pool_executor::~thread_pool_executor() { shutdown(true); }

std::size_t thread_pool_executor::max_workers() const noexcept { return s_->max_workers; }
std::size_t thread_pool_executor::max_queued() const noexcept { return s_->ring.capacity(); }

void thread_pool_executor::submit(executor_job& job) {
    state& s = *s_;
    {
        std::lock_guard lock(s.control_mutex);  // uncontended: one loop submits
        if (s.shut_down) throw std::runtime_error("thread_pool_executor: cannot submit new jobs after shutdown");
        if (!s.ring.try_push(&job))
            throw std::runtime_error("thread_pool_executor: work queue is full (" +
                                     std::to_string(s.ring.capacity()) + " jobs waiting)");
        const bool idle_worker = s.sleepers.load(std::memory_order_seq_cst) > 0;
        if (!idle_worker && s.threads.size() < s.max_workers) {
            try {
                s.threads.emplace_back([&s] { s.worker_main(); });
                return;
            } catch (...) {
                if (s.threads.empty()) {
                    // Nobody would ever run it: take it back (it is the only one).
                    s.ring.try_pop();
                    throw;
                }
            }
        }
    }
    s.wake_one_if_sleeping();
}

// After a push: wake a sleeping worker unless every sleeper is already being woken.
void thread_pool_executor::state::wake_one_if_sleeping() {
    // An RMW, not a load: it reads the latest `sleepers`, and if a worker
    // registers after it, that worker's RMW synchronises with this one and
    // so sees our job when it looks again. No wake-up is lost either way.
    if (sleepers.fetch_add(0, std::memory_order_seq_cst) <= wakeups.load(std::memory_order_relaxed)) return;
    {
        std::lock_guard lock(sleep_mutex);
        if (sleepers.load(std::memory_order_relaxed) <= wakeups.load(std::memory_order_relaxed)) return;
        wakeups.fetch_add(1, std::memory_order_relaxed);
    }
    work_ready.notify_one();
}

executor_job* thread_pool_executor::state::wait_for_job() {
    for (int i = 0; i < spins_before_sleep; ++i) {
        if (executor_job* job = ring.try_pop()) return job;
        cpu_relax();
    }
    std::unique_lock lock(sleep_mutex);
    sleepers.fetch_add(1, std::memory_order_seq_cst);  // see wake_one_if_sleeping()
    executor_job* job = nullptr;
    while (!(job = ring.try_pop()) && !stopping.load(std::memory_order_acquire)) {
        work_ready.wait(lock);
        if (wakeups.load(std::memory_order_relaxed) > 0) wakeups.fetch_sub(1, std::memory_order_relaxed);
    }
    sleepers.fetch_sub(1, std::memory_order_relaxed);
    return job;  // null: stopping and nothing left
}

void thread_pool_executor::state::worker_main() {
    for (;;) {
        executor_job* job = ring.try_pop();
        if (!job) job = wait_for_job();
        if (!job) return;
        job->run();
    }
}

void thread_pool_executor::shutdown(bool wait, bool cancel_pending) {
    state& s = *s_;
    std::vector<std::thread> joining;
    {
        std::lock_guard lock(s.control_mutex);
        if (wait) {
            const auto me = std::this_thread::get_id();
            if (std::any_of(s.threads.begin(), s.threads.end(), [&](const std::thread& t) { return t.get_id() == me; }))
                throw std::logic_error("thread_pool_executor::shutdown(wait=true) called from one of its own jobs");
        }
        s.shut_down = true;
        if (wait) joining.swap(s.threads);
    }
    if (cancel_pending) {
        while (executor_job* job = s.ring.try_pop()) job->abandon();
    }
    {
        std::lock_guard lock(s.sleep_mutex);
        s.stopping.store(true, std::memory_order_release);
    }
    s.work_ready.notify_all();
    for (auto& t : joining) t.join();
}

}  // namespace corio
