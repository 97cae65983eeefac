#include "corio/task_group.hpp"

#include <algorithm>
#include <stdexcept>

namespace corio {

task_group::~task_group() {
    if (!state_->pending.empty()) abort(*state_);
}

void task_group::check_accepting() const {
    if (state_->joined) throw std::runtime_error("task_group is finished");
    if (state_->aborting) throw std::runtime_error("task_group is shutting down");
}

void task_group::adopt(task_handle t) {
    state_->pending.push_back(t);
    // The callback holds the shared state, not the group: a group destroyed
    // before its children finish leaves nothing dangling.
    t.state()->add_done_callback([s = state_](detail::future_base& f) {
        child_done(s, task_handle(static_cast<detail::task_base*>(&f)));
    });
}

void task_group::abort(state& s) {
    s.aborting = true;
    std::vector<task_handle> pending = s.pending;
    for (auto& t : pending)
        if (!t.done()) t.cancel();
}

void task_group::child_done(const std::shared_ptr<state>& s, const task_handle& t) {
    std::erase(s->pending, t);
    if (!t.cancelled()) {
        if (auto e = t.state()->exception()) {
            s->errors.push_back(e);
            if (!s->aborting) abort(*s);
        }
    }
    if (s->pending.empty() && s->all_done && !s->all_done->done()) s->all_done->set_result();
}

coro<void> task_group::join() {
    std::shared_ptr<state> s = state_;
    if (s->joined) throw std::runtime_error("task_group::join() called twice");
    std::exception_ptr cancelled;  // rethrown as is, so its message survives
    while (!s->pending.empty()) {
        s->all_done.emplace();
        bool interrupted = false;
        try {
            co_await *s->all_done;
        } catch (const cancelled_error&) {
            interrupted = true;
            cancelled = std::current_exception();
        }
        if (interrupted) {
            // Cancel the children first, then keep waiting for them to finish.
            abort(*s);
        }
    }
    s->joined = true;
    s->all_done.reset();
    if (!s->errors.empty()) throw exception_group("unhandled errors in a task_group", std::move(s->errors));
    if (cancelled) std::rethrow_exception(cancelled);
}

}  // namespace corio
