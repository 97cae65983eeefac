#include <utility>

#include "corio/debug/logger.hpp"
#include "corio/detail/future_state.hpp"
#include "corio/detail/task_state.hpp"
#include "corio/loop.hpp"

namespace corio::detail {

namespace {

// A user done callback: runs from the ready queue, holding the future alive.
class done_callback final : public completion_node, public callback_node {
public:
    done_callback(std::function<void(future_base&)> fn, std::uint64_t id) : fn_(std::move(fn)), id_(id) {}
    ~done_callback() override {
        if (future_) future_->release();
    }
    void on_done(future_base& f) override {
        f.add_ref();
        future_ = &f;
        f.loop()->schedule(this);
    }
    void run() override {
        try {
            fn_(*future_);
        } catch (...) {
            future_->loop()->loop().call_exception_handler(
                {"Exception in done callback", std::current_exception(), {}});
        }
    }
    std::uint64_t id() const noexcept { return id_; }

private:
    std::function<void(future_base&)> fn_;
    std::uint64_t id_;
    future_base* future_ = nullptr;
};

thread_local std::uint64_t next_callback_id = 1;

}  // namespace

void future_base::drop_completions() noexcept {
    if (lone_fan_in()) {
        head_ = nullptr;
        return;
    }
    // Pending callbacks never ran: free them (waiters belong to their frames).
    while (head_) {
        completion_node* n = head_;
        n->unlink();
        if (auto* cb = dynamic_cast<done_callback*>(n)) cb->release();
    }
}

// "... exception was never retrieved". ~task_base calls it first: by the time
// ~future_base runs, the object is no longer a task (kind() says "future"
// and the task's name is out of reach).
void future_base::report_unretrieved() noexcept {
    if (status_ != future_status::finished || !failed_ || retrieved_) return;
    retrieved_ = true;
    try {
        std::string what = "(non-standard exception)";
        try {
            std::rethrow_exception(stored_exception());
        } catch (const std::exception& e) {
            what = std::string(e.what());
        } catch (...) {
        }
        std::string msg = std::string(kind()) == "task" ? "Task exception was never retrieved"
                                                        : "Future exception was never retrieved";
        if (auto* t = dynamic_cast<task_base*>(this)) msg += " (task " + t->name() + ")";
        // The handler gets the exception itself (the default one appends its what()).
        if (current.loop == loop_) {
            loop_->loop().call_exception_handler({msg, stored_exception(), {}});
        } else {
            corio::log(msg + ": " + what);
        }
    } catch (...) {
    }
}

bool future_base::cancel(std::string message) {
    if (done()) {
        retrieved_ = true;  // asyncio: cancelling a failed future silences "exception was never retrieved"
        return false;
    }
    set_cancel_message(std::move(message));
    finish(future_status::cancelled);
    return true;
}

void future_base::set_exception(std::exception_ptr e) {
    ensure_pending("set_exception");
    if (!e) throw std::invalid_argument("set_exception: null exception_ptr");
    store_exception(std::move(e));
    finish(future_status::finished);
}

std::exception_ptr future_base::exception() {
    if (status_ == future_status::pending)
        throw invalid_state_error("exception is not set: the future is pending");
    if (status_ == future_status::cancelled) throw cancelled_error(cancel_message());
    retrieved_ = true;
    return failed_ ? stored_exception() : nullptr;
}

void future_base::check_result_slow() {
    if (status_ == future_status::pending)
        throw invalid_state_error("result is not set: the future is pending");
    if (status_ == future_status::cancelled) throw cancelled_error(cancel_message());
    retrieved_ = true;
    if (failed_) std::rethrow_exception(stored_exception());
}

const std::string& future_base::cancel_message() const noexcept {
    static const std::string empty;
    return extras_ ? extras_->cancel_message : empty;
}

void future_base::set_cancel_message(std::string message) {
    if (message.empty()) {
        if (extras_) extras_->cancel_message.clear();
    } else {
        ensure_extras().cancel_message = std::move(message);
    }
}

void future_base::ensure_pending(const char* what) const {
    if (status_ != future_status::pending)
        throw invalid_state_error(std::string(what) + ": the " + kind() + " is already done");
}

void future_base::spill_fan_in() {
    fan_in* g = lone_fan_in();
    completion_node* node = g->spill(*this);
    head_ = nullptr;
    add_completion(node);
}

std::uint64_t future_base::add_done_callback(std::function<void(future_base&)> fn) {
    const std::uint64_t id = next_callback_id++;
    auto* cb = new done_callback(std::move(fn), id);
    if (done())
        cb->on_done(*this);  // already done: asyncio schedules it right away
    else
        add_completion(cb);
    return id;
}

bool future_base::remove_done_callback(std::uint64_t id) noexcept {
    if (lone_fan_in()) return false;
    for (completion_node* n = head_; n; n = n->next_) {
        auto* cb = dynamic_cast<done_callback*>(n);
        if (cb && cb->id() == id) {
            cb->unlink();
            cb->release();
            return true;
        }
    }
    return false;
}

void future_base::run_completion_list() noexcept {
    if (fan_in* g = lone_fan_in()) {
        head_ = nullptr;
        g->child_done(*this);
    }
    while (completion_node* n = head_) {
        n->unlink();
        n->on_done(*this);
    }
}

}  // namespace corio::detail
