// The loop's scheduling core, kept free of the public API so that futures and
// tasks can schedule work without seeing all of event_loop.
//
// The ready queue holds two kinds of entries: a coroutine to resume on behalf
// of a task (asyncio's Task.__step), or a callback_node (asyncio's Handle).
#pragma once

#include <coroutine>
#include <cstdint>

#include "corio/clock.hpp"
#include "corio/detail/ring_queue.hpp"
#include "corio/detail/timer_heap.hpp"

namespace corio {
class event_loop;
}

namespace corio::detail {

class task_base;
class scheduler;

// Something to run once from the ready queue. Intrusively reference counted
// (loop-local, so not atomic): the queue holds one reference, a
// callback_handle may hold another so that cancel() is safe at any time.
class callback_node {
public:
    virtual ~callback_node() = default;
    virtual void run() = 0;
    void add_ref() noexcept { ++refs_; }
    void release() noexcept {
        if (--refs_ == 0) delete this;
    }
    bool cancelled = false;
    timer_node timer;  // used when the callback waits for a deadline

private:
    std::uint32_t refs_ = 1;
};

// One word: a task to resume where it parked (task_base::resume_at_), or a
// callback_node tagged in its low bit. Small entries keep a million
// scheduled tasks cheap.
class ready_entry {
public:
    ready_entry() = default;
    explicit ready_entry(task_base* t) noexcept : bits_(reinterpret_cast<std::uintptr_t>(t)) {}
    explicit ready_entry(callback_node* cb) noexcept : bits_(reinterpret_cast<std::uintptr_t>(cb) | 1) {}
    bool is_task() const noexcept { return !(bits_ & 1); }
    task_base* task() const noexcept { return reinterpret_cast<task_base*>(bits_); }
    callback_node* callback() const noexcept {
        return reinterpret_cast<callback_node*>(bits_ & ~std::uintptr_t(1));
    }

private:
    std::uintptr_t bits_;  // left uninitialized: the ready queue's free slots are never read
};

// What is running on this thread right now.
struct running_context {
    scheduler* loop = nullptr;
    task_base* task = nullptr;
    // A coroutine that has just finished names the one that awaited it
    // here, and the loop resumes that one next (see coro.hpp).
    void* resume_next = nullptr;
    // coro.hpp's escaping_exception is set (a plain flag is cheaper to test
    // than a thread_local with a destructor).
    bool exception_escaping = false;
};
inline thread_local running_context current;

[[noreturn]] void throw_no_running_loop();
// The loop running on this thread; std::runtime_error without one.
inline scheduler& running_scheduler() {
    if (!current.loop) [[unlikely]]
        throw_no_running_loop();
    return *current.loop;
}

class scheduler {
public:
    // Resume `task` where it parked, in a later iteration.
    void schedule(task_base* task) { ready_.push(ready_entry(task)); }
    // Run `cb` in a later iteration; takes over one reference.
    void schedule(callback_node* cb) { ready_.push(ready_entry(cb)); }

    // The loop's time: the steady clock, or the virtual time.
    clock::time_point loop_time() const noexcept { return virtual_time_ ? now_ : steady_now(); }
    static clock::time_point steady_now() noexcept {
        return clock::time_point(std::chrono::steady_clock::now().time_since_epoch());
    }
    void add_timer(timer_node* t) { timers_.push(t); }
    void remove_timer(timer_node* t) noexcept {
        if (t->queued()) timers_.erase(t);
    }
    // Timers waiting in the heap (call_later/call_at callbacks, sleeps...).
    std::size_t pending_timers() const noexcept { return timers_.size(); }

    event_loop& loop() noexcept;

    // The unfinished tasks, for all_tasks() and for run()'s final cleanup.
    // The list holds one reference to each task; unlink_task hands it to the caller.
    void link_task(task_base* t) noexcept;
    void unlink_task(task_base* t) noexcept;
    task_base* first_task() const noexcept { return live_tasks_; }
    std::uint64_t next_task_id() noexcept { return next_task_id_++; }

protected:
    task_base* live_tasks_ = nullptr;
    std::uint64_t next_task_id_ = 1;
    ring_queue<ready_entry> ready_;
    timer_heap timers_;
    clock::time_point now_{};
    bool virtual_time_ = false;
};

}  // namespace corio::detail
