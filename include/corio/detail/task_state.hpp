// The state of a task (asyncio.Task): a future that drives a coroutine.
//
// Cancellation protocol. A suspended task is parked on exactly one leaf
// awaiter (a sleep, a future, a lock...), which registers itself as the
// task's cancel_hook. task.cancel() asks the hook to wake the task with a
// cancellation outcome; if it cannot (the wake-up is already on its way, or
// the task is running) the request is remembered in must_cancel and the next
// leaf await_resume() throws cancelled_error. This is CPython's Task.cancel()
// and _must_cancel, translated to awaiters.
#pragma once

#include <coroutine>
#include <cstdint>
#include <memory>
#include <string>
#include "corio/detail/source_location.hpp"

#include "corio/detail/future_state.hpp"

namespace corio::detail {

class cancel_hook {
public:
    // Wake the parked task soon with a cancellation outcome; false if this
    // wait can no longer be interrupted.
    virtual bool request_cancel(const std::string& message) = 0;
    // For format_task_tree(): what the task is waiting for.
    virtual std::string describe() const = 0;

protected:
    ~cancel_hook() = default;
};

class task_base : public future_base {
public:
    task_base(scheduler* loop, std::coroutine_handle<> root) noexcept
        : future_base(loop),
          resume_at_(root.address()),
          id_(loop->next_task_id()),
          parent_id_(current.task ? current.task->id_ : 0) {}
    ~task_base() override {
        // Here, not in ~future_base: there the object is no longer a task
        // and its name is out of reach.
        if (failed_ && !retrieved_) report_unretrieved();
    }

    bool cancel(std::string message = {}) override;
    int cancelling() const noexcept { return static_cast<int>(cancel_requests_); }
    int uncancel() noexcept;
    const char* kind() const noexcept override { return "task"; }

    std::string name() const;
    void set_name(std::string name);
    std::uint64_t id() const noexcept { return id_; }
    std::uint64_t parent_id() const noexcept { return parent_id_; }
    // The root coroutine's definition (unknown once it has finished).
    virtual source_location where() const noexcept = 0;
    const cancel_hook* parked_on() const noexcept { return parked_ ? hook_ : nullptr; }

    // Called by leaf awaiters. The awaiter keeps the coroutine to resume
    // while the task is parked, and hands it back with wake().
    void park(cancel_hook* hook) {
        first_step_ = false;
        hook_ = hook;
        parked_ = true;
        if (must_cancel_ && hook->request_cancel(cancel_message())) must_cancel_ = false;
    }
    void wake(std::coroutine_handle<> resume_at) {
        parked_ = false;
        resume_at_ = resume_at.address();
        loop_->schedule(this);
    }
    // True (and consumed) if a cancellation must be raised at this await.
    bool take_cancel_request() noexcept {
        const bool c = must_cancel_;
        must_cancel_ = false;
        return c;
    }
    bool cancel_pending() const noexcept { return must_cancel_; }
    // Cancelled before it ever ran: the loop calls cancel_before_start()
    // instead of resuming it.
    bool cancelled_before_start() const noexcept { return must_cancel_ && first_step_; }
    // asyncio throws CancelledError into a coroutine that has not started,
    // which ends it before any of its code runs (no try block is entered
    // yet): the task ends cancelled and its coroutine is freed unrun.
    virtual void cancel_before_start() noexcept = 0;
    // Where the loop resumes this task when it is scheduled.
    std::coroutine_handle<> resume_point() const noexcept {
        return std::coroutine_handle<>::from_address(resume_at_);
    }

    // The root coroutine has returned (or thrown): collect the outcome.
    virtual void root_done() noexcept = 0;
    // Frees the coroutine of a task abandoned while pending (loop closed).
    virtual void destroy_frame() noexcept = 0;
    // What the loop's close() does with a pending task: forget the wait first
    // (its awaiter dies with the frame, and another frame's destructor, say a
    // task_group's, may still cancel this task), free the frame, and drop the
    // done callbacks that will never run (a task_group's callback holds the
    // group, which holds this task: a cycle that would leak).
    void abandon() noexcept {
        parked_ = false;
        destroy_frame();
        drop_completions();
    }

    // Intrusive list of the loop's unfinished tasks (all_tasks()).
    task_base* prev_live = nullptr;
    task_base* next_live = nullptr;

protected:
    void start() {
        loop_->link_task(this);
        loop_->schedule(this);
    }
    // Leaves the live list, completes, and drops the loop's reference.
    void finish_task(future_status s) noexcept;
    // Stores a failure; cancelled_error makes the task cancelled, as in asyncio.
    future_status classify_failure(std::exception_ptr e) noexcept;

private:
    // Parked on a hook (parked_), or where to resume once scheduled: never
    // both, so one word (a million tasks must stay small).
    union {
        void* resume_at_;
        cancel_hook* hook_;
    };
    std::uint64_t id_;
    std::uint64_t parent_id_;
};

inline void scheduler::link_task(task_base* t) noexcept {
    t->add_ref();
    t->prev_live = nullptr;
    t->next_live = live_tasks_;
    if (live_tasks_) live_tasks_->prev_live = t;
    live_tasks_ = t;
}

// Where a cancelled_error for the current task comes from.
[[noreturn]] void throw_cancelled(const task_base* t);

}  // namespace corio::detail
