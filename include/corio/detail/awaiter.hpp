// Building blocks for leaf awaiters: the awaitables that really suspend a
// task (sleep, futures, locks, queues, I/O).
#pragma once

#include <coroutine>
#include <stdexcept>

#include "corio/detail/task_state.hpp"

namespace corio::detail {

// Remembers who to wake and implements the cancellation check. Derived
// awaiters call park() in await_suspend, wake() when their event happens,
// and resume_or_throw() first thing in await_resume.
class parked_awaiter : public cancel_hook {
public:
    parked_awaiter() = default;
    parked_awaiter(const parked_awaiter&) = delete;
    parked_awaiter& operator=(const parked_awaiter&) = delete;

protected:
    ~parked_awaiter() = default;

    // Binds the awaiter to the running task. Call it before arming when
    // arming needs the loop; park() does it too.
    task_base& bind_task() {
        if (!task_) {
            task_ = current.task;
            if (!task_) throw_outside_task();
        }
        return *task_;
    }
    void park(std::coroutine_handle<> h) {
        task_base& t = bind_task();
        parked_at_ = h;
        t.park(this);
    }
    void wake() { task_->wake(parked_at_); }
    // Throws cancelled_error if the wait was cancelled (`cancelled`) or a
    // cancellation request arrived after the wake-up was already scheduled.
    // Nothing to check if the awaiter never parked (it was ready at once).
    void resume_or_throw(bool cancelled) {
        if (task_ && (task_->take_cancel_request() || cancelled)) throw_cancelled(task_);
    }
    // Valid once bound.
    scheduler* loop() const noexcept { return task_->loop(); }
    task_base* task() const noexcept { return task_; }

private:
    // Every coroutine corio resumes runs inside a task (run, create_task,
    // run_until_complete and the thread bridges all make one), so the awaiter
    // needs no room for a loop: 24 bytes in the frame.
    [[noreturn]] static void throw_outside_task();

    task_base* task_ = nullptr;
    std::coroutine_handle<> parked_at_;  // kept here, not in the task, while parked
};

// Waits for a future (or task) to complete. Cancelling the waiter cancels the
// awaited future, exactly like asyncio's `await fut` inside a task.
template <class State>
class future_awaiter final : public parked_awaiter, public completion_node {
public:
    explicit future_awaiter(State* s) noexcept : state_(s) {}
    [[gnu::always_inline]] ~future_awaiter() = default;  // in the awaiting coroutine, not a call per await

    bool await_ready() const noexcept { return state_->done(); }
    void await_suspend(std::coroutine_handle<> h) {
        // It could never wake up (asyncio raises the same RuntimeError).
        if (static_cast<const future_base*>(state_.get()) == current.task)
            throw std::runtime_error("Task cannot await on itself");
        // Its completion would schedule this task on the other loop's queue.
        if (state_->loop() != current.loop)
            throw std::runtime_error("Task got Future attached to a different loop");
        state_->add_completion(this);
        suspended_ = true;
        park(h);
    }
    // Every awaiter gets its own copy of the result (move-only results are
    // moved out: await those once).
    decltype(auto) await_resume() {
        if (suspended_) resume_or_throw(false);
        return state_->take_result();
    }

    void on_done(future_base&) override { wake(); }
    bool request_cancel(const std::string& message) override { return state_->cancel(message); }
    std::string describe() const override {
        if (const auto* t = dynamic_cast<const task_base*>(state_.get())) return "awaiting task " + t->name();
        return std::string("awaiting ") + state_->kind();
    }

private:
    state_ref<State> state_;
    bool suspended_ = false;
};

}  // namespace corio::detail
