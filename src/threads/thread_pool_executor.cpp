// thread_pool_executor: a bounded FIFO of jobs served by threads started on
// demand.
//
// The hand-off must be cheap (W7: a trivial call costs about a microsecond
// end to end), so the queue is a lock-free bounded ring (Vyukov's MPMC
// queue): submitting and taking a job never blocks on a lock another thread
// may hold while preempted. Locks are only for going to sleep, waking up and
// shutting down.
//
// Every job gets an idle worker of its own (so blocking jobs never queue
// behind each other while a thread is free): a submit first claims a worker
// that is spinning for work (no system call), else wakes a sleeping one not
// already being woken, else starts a thread. Idle workers spin a few
// microseconds before sleeping, so a loop that submits about as fast as the
// jobs finish does not pay a futex wake per job (and slow down, so that the
// workers sleep even more: the trap this avoids).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "corio/threads/executor.hpp"

namespace corio {
namespace {

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

// How long an idle worker spins, claimable, before it goes to sleep. It
// yields while spinning: on a busy machine the loop's thread (the one that
// submits) may be waiting for this very core.
constexpr auto spin_for = std::chrono::microseconds(20);

// Decrements `n` unless it is zero; true if it did.
bool take_one(std::atomic<int>& n) noexcept {
    int v = n.load(std::memory_order_relaxed);
    while (v > 0)
        if (n.compare_exchange_weak(v, v - 1, std::memory_order_seq_cst, std::memory_order_relaxed)) return true;
    return false;
}

}  // namespace

struct thread_pool_executor::state {
    state(std::size_t workers, std::size_t queued) : max_workers(workers), ring(round_up_pow2(queued)) {}

    void worker_main();
    executor_job* wait_for_job();
    bool wake_one_if_sleeping();

    const std::size_t max_workers;
    job_ring ring;

    // Idle workers spinning for work that no submit has claimed yet.
    std::atomic<int> spinners{0};

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
        // RMWs on `spinners` / `sleepers`, not loads: each reads the latest
        // value, and a worker that registers after it synchronises with it
        // and so sees this job when it looks at the ring again. No job is
        // left without a worker either way.
        if (take_one(s.spinners) || s.wake_one_if_sleeping()) return;
        if (s.threads.size() < s.max_workers) {
            try {
                s.threads.emplace_back([&s] { s.worker_main(); });
            } catch (...) {
                if (s.threads.empty()) {
                    // Nobody would ever run it: take it back (it is the only one).
                    s.ring.try_pop();
                    throw;
                }
            }
        }
    }
}

// True if a sleeping worker not yet being woken was woken for this job.
bool thread_pool_executor::state::wake_one_if_sleeping() {
    if (sleepers.fetch_add(0, std::memory_order_seq_cst) <= wakeups.load(std::memory_order_relaxed)) return false;
    {
        std::lock_guard lock(sleep_mutex);
        if (sleepers.load(std::memory_order_relaxed) <= wakeups.load(std::memory_order_relaxed)) return false;
        wakeups.fetch_add(1, std::memory_order_relaxed);
    }
    work_ready.notify_one();
    return true;
}

executor_job* thread_pool_executor::state::wait_for_job() {
    spinners.fetch_add(1, std::memory_order_seq_cst);
    const auto spin_until = std::chrono::steady_clock::now() + spin_for;
    for (unsigned i = 1;; ++i) {
        if (executor_job* job = ring.try_pop()) {
            take_one(spinners);
            return job;
        }
        std::this_thread::yield();
        if (i % 4 == 0 && std::chrono::steady_clock::now() >= spin_until) break;
    }
    take_one(spinners);
    std::unique_lock lock(sleep_mutex);
    sleepers.fetch_add(1, std::memory_order_seq_cst);  // see submit()
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
