// executor_job, the per-loop executor bridge and its completion queue.
//
// A job's life: run_in_executor makes it on the loop thread and links it in
// the bridge's in-flight list; a worker runs it and posts it to the loop's
// completion queue; the loop delivers the outcome to the future and deletes
// it. If the loop closes first, the bridge forgets every in-flight job's
// future (on the loop thread) and closes the queue: a worker that finishes
// later deletes the job itself, which then touches nothing of the loop.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "corio/threads/executor.hpp"

namespace corio {
namespace detail {

// Finished jobs on their way back to the loop: a lock-free stack (workers
// push, the loop takes everything at once). The push that finds the stack
// empty wakes the loop with one call_soon_threadsafe for the whole batch.
// close() swaps in a sentinel, then waits for pushes in progress, so no
// worker is still calling into the loop when it goes away.
class completion_queue {
public:
    completion_queue(event_loop& loop, std::function<void()> drain) : loop_(&loop), drain_(std::move(drain)) {}

    void post(executor_job* j) noexcept {
        posting_.fetch_add(1, std::memory_order_seq_cst);
        executor_job* old = head_.load(std::memory_order_seq_cst);
        do {
            if (old == closed()) {
                posting_.fetch_sub(1, std::memory_order_release);
                delete j;  // its loop is gone; the job forgot its future already
                return;
            }
            j->next = old;
        } while (!head_.compare_exchange_weak(old, j, std::memory_order_acq_rel, std::memory_order_acquire));
        if (!old) {
            try {
                loop_->call_soon_threadsafe(drain_);
            } catch (...) {
                // Out of memory: the next batch's wake-up drains this one too.
            }
        }
        posting_.fetch_sub(1, std::memory_order_release);
    }

    // Loop thread: everything posted so far, oldest first.
    executor_job* take() noexcept { return reversed(head_.exchange(nullptr, std::memory_order_acq_rel)); }

    // Later posts delete their job; returns what was still queued.
    executor_job* close() noexcept {
        executor_job* list = head_.exchange(closed(), std::memory_order_seq_cst);
        while (posting_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
        return reversed(list);
    }

private:
    static executor_job* closed() noexcept {
        static char sentinel;
        return reinterpret_cast<executor_job*>(&sentinel);
    }
    static executor_job* reversed(executor_job* j) noexcept {
        executor_job* out = nullptr;
        while (j) {
            executor_job* next = j->next;
            j->next = out;
            out = j;
            j = next;
        }
        return out;
    }

    std::atomic<executor_job*> head_{nullptr};
    std::atomic<int> posting_{0};
    event_loop* loop_;
    std::function<void()> drain_;
};

executor_bridge::executor_bridge(event_loop& loop)
    : loop_(loop), queue_(std::make_shared<completion_queue>(loop, [this] { drain(); })) {
    loop.on_close([this] { on_close(); });
}

// The loop's extensions die at the very end of close(), after its
// threadsafe queue was cleared: by now every concurrent_future a job could
// be blocked on for this loop has been released, so joining cannot hang on us.
executor_bridge::~executor_bridge() { default_.reset(); }

thread_pool_executor& executor_bridge::default_executor() {
    if (!default_) default_ = std::make_unique<thread_pool_executor>();
    return *default_;
}

void executor_bridge::submit(executor* ex, executor_job* job) {
    job->home_ = queue_;
    link(job);
    loop_.begin_external_work();
    try {
        (ex ? *ex : default_executor()).submit(*job);
    } catch (...) {
        unlink(job);
        loop_.end_external_work();
        delete job;
        throw;
    }
}

void executor_bridge::drain() noexcept {
    executor_job* j = queue_->take();
    while (j) {
        executor_job* next = j->next;
        unlink(j);
        j->deliver();
        loop_.end_external_work();
        delete j;
        j = next;
    }
}

void executor_bridge::on_close() noexcept {
    // Nobody can see these results any more: stop what runs, skip what waits.
    for (executor_job* j = in_flight_; j; j = j->next_in_flight_) {
        j->forget();
        j->cancel();
    }
    in_flight_ = nullptr;
    // Refuse new jobs now but join later (~executor_bridge): a job may be
    // blocked on a coroutine for this loop that close() has yet to release.
    if (default_) default_->shutdown(false);
    executor_job* j = queue_->close();
    while (j) {
        delete std::exchange(j, j->next);
    }
}

void executor_bridge::link(executor_job* j) noexcept {
    j->prev_in_flight_ = nullptr;
    j->next_in_flight_ = in_flight_;
    if (in_flight_) in_flight_->prev_in_flight_ = j;
    in_flight_ = j;
}

void executor_bridge::unlink(executor_job* j) noexcept {
    (j->prev_in_flight_ ? j->prev_in_flight_->next_in_flight_ : in_flight_) = j->next_in_flight_;
    if (j->next_in_flight_) j->next_in_flight_->prev_in_flight_ = j->prev_in_flight_;
    j->prev_in_flight_ = j->next_in_flight_ = nullptr;
}

}  // namespace detail

// --- executor_job ------------------------------------------------------------

void executor_job::run() noexcept {
    unsigned char expected = queued;
    if (state_.compare_exchange_strong(expected, running, std::memory_order_acq_rel)) invoke();
    // The queue may be freed when this job dies, so hold it through the post.
    std::shared_ptr<detail::completion_queue> home = std::move(home_);
    home->post(this);
}

void executor_job::abandon() noexcept {
    unsigned char expected = queued;
    state_.compare_exchange_strong(expected, abandoned, std::memory_order_acq_rel);
    std::shared_ptr<detail::completion_queue> home = std::move(home_);
    home->post(this);
}

void executor_job::cancel() noexcept {
    unsigned char expected = queued;
    state_.compare_exchange_strong(expected, cancelled, std::memory_order_acq_rel);
    request_stop();
}

}  // namespace corio
