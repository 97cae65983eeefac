// corio/task.hpp: task<T>, create_task, current_task, all_tasks (asyncio.Task).
//
// A task runs a coroutine concurrently on the loop. create_task schedules it
// at once ("scheduled, not started", as asyncio). The loop owns a running
// task: dropping every handle neither cancels nor destroys it, so
// fire-and-forget works. task<T> is a cheap copyable handle; it may be
// awaited any number of times, by any number of awaiters.
// Cancellation: task.cancel(msg) makes the task's current (or next) await
// throw cancelled_error(msg); cancelling a task that awaits this task cancels
// this task too (asyncio semantics). Use shield() to prevent that.
#pragma once

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "corio/coro.hpp"
#include "corio/detail/awaiter.hpp"
#include "corio/detail/task_state.hpp"

namespace corio {

namespace detail {

// Adds the outcome of the root coroutine to task_base.
template <class T>
class task_state final : public future_state<T, task_base> {
public:
    using handle_type = std::coroutine_handle<coro_promise<T>>;

    task_state(scheduler* loop, handle_type h) : future_state<T, task_base>(loop, h), h_(h) {
        h_.promise().set_owner(this);
        if constexpr (!std::is_void_v<T>) h_.promise().dest_ = &this->slot_;  // the result lands here
        this->start();
    }
    ~task_state() override {
        if (h_) h_.destroy();  // abandoned while pending (loop closed)
    }

    // From the root's final suspension; the frame frees itself right after.
    void root_done() noexcept override {
        handle_type h = std::exchange(h_, {});
        future_status outcome = future_status::finished;
        if (h.promise().failed())
            outcome = this->classify_failure(h.promise().take_failure());
        else if (this->take_cancel_request())
            outcome = future_status::cancelled;  // cancelled right before returning: asyncio drops the result
        this->finish_task(outcome);
    }

    source_location where() const noexcept override { return h_ ? h_.promise().where() : source_location{}; }

    void cancel_before_start() noexcept override {
        this->take_cancel_request();
        std::exchange(h_, {}).destroy();
        this->finish_task(future_status::cancelled);
    }

    void destroy_frame() noexcept override {
        if (h_) std::exchange(h_, {}).destroy();
    }

private:
    handle_type h_;
};

template <class F, class Arg>
std::function<void(future_base&)> adapt_done_callback(F fn);

}  // namespace detail

// A type-erased, nullable task handle (what current_task() and all_tasks() return).
class task_handle {
public:
    task_handle() = default;
    explicit task_handle(detail::task_base* t) noexcept : s_(t) {}

    explicit operator bool() const noexcept { return static_cast<bool>(s_); }
    bool done() const noexcept { return s_->done(); }
    bool cancelled() const noexcept { return s_->cancelled(); }
    bool cancel(std::string message = {}) { return s_->cancel(std::move(message)); }
    int cancelling() const noexcept { return s_->cancelling(); }
    int uncancel() noexcept { return s_->uncancel(); }
    std::string get_name() const { return s_->name(); }
    void set_name(std::string name) { s_->set_name(std::move(name)); }
    std::exception_ptr exception() { return s_->exception(); }
    detail::task_base* state() const noexcept { return s_.get(); }

    friend bool operator==(const task_handle& a, const task_handle& b) noexcept { return a.s_ == b.s_; }

private:
    detail::state_ref<detail::task_base> s_;
};

template <class T = void>
class task {
public:
    using value_type = T;
    using state_type = detail::task_state<T>;

    task() = default;
    explicit task(state_type* s) noexcept : s_(s) {}
    task(state_type* s, detail::adopt_ref_t) noexcept : s_(s, true) {}

    bool valid() const noexcept { return static_cast<bool>(s_); }
    bool done() const noexcept { return s_->done(); }
    bool cancelled() const noexcept { return s_->cancelled(); }
    bool cancel(std::string message = {}) { return s_->cancel(std::move(message)); }
    int cancelling() const noexcept { return s_->cancelling(); }
    int uncancel() noexcept { return s_->uncancel(); }
    // Rethrows the task's exception; invalid_state_error while pending,
    // cancelled_error if cancelled.
    decltype(auto) result() const { return s_->take_result(); }
    std::exception_ptr exception() const { return s_->exception(); }
    std::string get_name() const { return s_->name(); }
    void set_name(std::string name) { s_->set_name(std::move(name)); }

    // fn(const task<T>&) or fn(); scheduled with call_soon when the task is done.
    template <class F>
    std::uint64_t add_done_callback(F fn) {
        return s_->add_done_callback(detail::adapt_done_callback<F, task>(std::move(fn)));
    }
    bool remove_done_callback(std::uint64_t id) { return s_->remove_done_callback(id); }

    detail::future_awaiter<state_type> operator co_await() const noexcept {
        return detail::future_awaiter<state_type>(s_.get());
    }
    operator task_handle() const noexcept { return task_handle(s_.get()); }
    state_type* state() const noexcept { return s_.get(); }

    friend bool operator==(const task& a, const task& b) noexcept { return a.s_ == b.s_; }

private:
    detail::state_ref<state_type> s_;
};

namespace detail {
template <class F, class Arg>
std::function<void(future_base&)> adapt_done_callback(F fn) {
    return [fn = std::move(fn)](future_base& f) mutable {
        if constexpr (std::is_invocable_v<F&, const Arg&>)
            fn(Arg(static_cast<typename Arg::state_type*>(&f)));
        else
            fn();
    };
}

template <class T>
task<T> spawn(scheduler& loop, coro<T>& c) {
    if (!c.valid()) throw invalid_state_error("create_task: coroutine already awaited");
    // Born with one reference, which becomes the handle's; the loop's list
    // takes its own.
    return task<T>(new task_state<T>(&loop, c.release()), adopt_ref);
}
}  // namespace detail

// asyncio.create_task(coro, name=...) on the running loop; std::runtime_error without one.
template <class T>
task<T> create_task(coro<T> c) {
    return detail::spawn(detail::running_scheduler(), c);
}
template <class T>
task<T> create_task(coro<T> c, std::string name) {
    task<T> t = detail::spawn(detail::running_scheduler(), c);
    t.set_name(std::move(name));
    return t;
}

// The task running now, or an empty handle outside any task.
task_handle current_task() noexcept;
// The running loop's unfinished tasks.
std::vector<task_handle> all_tasks();

}  // namespace corio
