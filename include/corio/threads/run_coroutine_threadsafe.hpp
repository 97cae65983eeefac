// corio/threads/run_coroutine_threadsafe.hpp: run_coroutine_threadsafe(coro, loop)
// (asyncio.run_coroutine_threadsafe).
//
// From any thread: hands the coroutine to `loop` (through
// call_soon_threadsafe), where it becomes a task, and returns a
// concurrent_future for its outcome. std::runtime_error if the loop is
// closed. If the loop closes before the coroutine finishes, the future ends
// cancelled, so a thread blocked in get() is released.
// Cancellation: concurrent_future::cancel() cancels the task on its loop;
// cancelling the task there cancels the future.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "corio/coro.hpp"
#include "corio/loop.hpp"
#include "corio/task.hpp"
#include "corio/threads/concurrent_future.hpp"

namespace corio {
namespace detail {

// Loop side of one run_coroutine_threadsafe: watches the task and copies its
// outcome into the shared state. Lives on the loop thread only.
class threadsafe_link : public completion_node {
public:
    explicit threadsafe_link(event_loop& loop);
    virtual ~threadsafe_link();
    threadsafe_link(const threadsafe_link&) = delete;
    threadsafe_link& operator=(const threadsafe_link&) = delete;

    virtual void cancel_task(const std::string& message) noexcept = 0;
    // The loop closes with the task unfinished: the future ends cancelled.
    virtual void abandon() noexcept = 0;

    threadsafe_link* prev = nullptr;
    threadsafe_link* next = nullptr;

private:
    class registry;
    registry* registry_;
};

template <class T>
class task_link final : public threadsafe_link {
public:
    task_link(event_loop& loop, task<T> t, std::shared_ptr<concurrent_state<T>> s)
        : threadsafe_link(loop), task_(std::move(t)), state_(std::move(s)) {}

    void on_done(future_base&) override {
        auto* t = task_.state();
        if (t->cancelled()) {
            state_->set_cancelled(t->cancel_message());
        } else {
            try {
                state_->set_value_from([&]() -> decltype(auto) { return t->take_result(); });
            } catch (...) {
                state_->set_exception(std::current_exception());
            }
        }
        state_->link = nullptr;
        delete this;
    }
    void cancel_task(const std::string& message) noexcept override {
        try {
            task_.cancel(message);
        } catch (...) {
        }
    }
    void abandon() noexcept override {
        state_->set_cancelled("event loop closed before the coroutine finished");
        state_->link = nullptr;
        delete this;  // leaves the task's completion list
    }

private:
    task<T> task_;
    std::shared_ptr<concurrent_state<T>> state_;
};

// Carries the coroutine to the loop. Dropped unrun (the loop closed first):
// the future ends cancelled.
template <class T>
class threadsafe_launch {
public:
    threadsafe_launch(coro<T> c, std::shared_ptr<concurrent_state<T>> s) : c_(std::move(c)), state_(std::move(s)) {}
    ~threadsafe_launch() {
        if (!c_.valid()) return;
        c_.release().destroy();  // handed over, so not "never awaited"
        state_->set_cancelled("event loop closed before the coroutine started");
    }
    threadsafe_launch(const threadsafe_launch&) = delete;
    threadsafe_launch& operator=(const threadsafe_launch&) = delete;

    void start(event_loop& loop) {
        try {
            task<T> t = loop.create_task(std::move(c_));
            auto* link = new task_link<T>(loop, t, state_);
            t.state()->add_completion(link);
            if (!state_->launched(link)) t.cancel();
        } catch (...) {
            state_->set_exception(std::current_exception());
        }
    }

private:
    coro<T> c_;
    std::shared_ptr<concurrent_state<T>> state_;
};

}  // namespace detail

template <class T>
concurrent_future<T> run_coroutine_threadsafe(coro<T> c, event_loop& loop) {
    if (!c.valid()) throw invalid_state_error("run_coroutine_threadsafe: coroutine already awaited");
    auto state = std::make_shared<detail::concurrent_state<T>>(loop);
    auto launch = std::make_shared<detail::threadsafe_launch<T>>(std::move(c), state);
    loop.call_soon_threadsafe([launch, &loop] { launch->start(loop); });
    return concurrent_future<T>(std::move(state));
}

}  // namespace corio
