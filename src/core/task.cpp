#include <cstdint>
#include <stdexcept>
#include <string>

#include "corio/detail/awaiter.hpp"
#include "corio/detail/task_state.hpp"
#include "corio/loop.hpp"
#include "corio/sleep.hpp"
#include "corio/task.hpp"

namespace corio {
namespace detail {

void throw_no_running_loop() { throw std::runtime_error("no running event loop"); }

event_loop& scheduler::loop() noexcept { return static_cast<event_loop&>(*this); }

void scheduler::unlink_task(task_base* t) noexcept {
    (t->prev_live ? t->prev_live->next_live : live_tasks_) = t->next_live;
    if (t->next_live) t->next_live->prev_live = t->prev_live;
    t->prev_live = t->next_live = nullptr;
}

bool task_base::cancel(std::string message) {
    if (done()) {
        retrieved_ = true;  // asyncio: cancelling a failed future silences "exception was never retrieved"
        return false;
    }
    if (cancel_requests_ < UINT16_MAX) ++cancel_requests_;
    set_cancel_message(std::move(message));
    if (parked_ && hook_->request_cancel(cancel_message())) return true;
    must_cancel_ = true;
    return true;
}

int task_base::uncancel() noexcept {
    if (cancel_requests_ > 0) --cancel_requests_;
    if (cancel_requests_ == 0) must_cancel_ = false;
    return static_cast<int>(cancel_requests_);
}

std::string task_base::name() const {
    if (extras_ && extras_->task_name) return *extras_->task_name;
    return "Task-" + std::to_string(id_);
}

void task_base::set_name(std::string name) { ensure_extras().task_name = std::move(name); }

future_status task_base::classify_failure(std::exception_ptr e) noexcept {
    try {
        std::rethrow_exception(e);
    } catch (const cancelled_error& c) {
        try {
            set_cancel_message(c.message());
        } catch (...) {
        }
        return future_status::cancelled;
    } catch (...) {
        store_exception(std::move(e));  // noexcept: only out of memory could throw here
        return future_status::finished;
    }
}

void task_base::finish_task(future_status s) noexcept {
    parked_ = false;
    loop_->unlink_task(this);
    finish_held(s);
    release();  // the live list's reference, which kept this task alive through its completions
}

void parked_awaiter::throw_outside_task() {
    throw std::runtime_error(
        "corio awaitables must be awaited inside a task (run, create_task, run_until_complete)");
}

void throw_cancelled(const task_base* t) { throw cancelled_error(t ? t->cancel_message() : std::string()); }

}  // namespace detail

task_handle current_task() noexcept { return task_handle(detail::current.task); }

std::vector<task_handle> all_tasks() {
    std::vector<task_handle> out;
    for (auto* t = detail::running_scheduler().first_task(); t; t = t->next_live) out.emplace_back(t);
    return out;
}

std::string sleep_awaiter::describe() const {
    std::string s = "sleep(";
    s.append(std::to_string(to_seconds(when - loop()->loop_time()))).append("s left)");
    return s;
}

}  // namespace corio
