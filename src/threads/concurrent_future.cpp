// The locked state behind concurrent_future, its awaiter, and the per-loop
// registry that releases every concurrent_future when its loop closes.
//
// Lock order: a state's mutex may be held while posting to a loop
// (call_soon_threadsafe takes the loop's mutex), never the reverse.
#include <algorithm>
#include <stdexcept>

#include "corio/loop.hpp"
#include "corio/threads/concurrent_future.hpp"
#include "corio/threads/run_coroutine_threadsafe.hpp"

namespace corio::detail {
namespace {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
}

// Before sleeping, get() spins briefly, then yields for a while: a round trip
// to a loop is usually shorter than a futex sleep plus wake-up, and yielding
// lets the loop's thread run if it shares our core.
constexpr int pause_spins = 64;
constexpr auto yield_for = std::chrono::microseconds(50);

}  // namespace

// --- concurrent_state_base -----------------------------------------------------

void concurrent_state_base::check_not_on_loop(const char* what) const {
    if (current.loop == static_cast<const scheduler*>(loop_))
        throw std::logic_error(std::string("concurrent_future::") + what +
                               "() on the thread running its loop would wait forever (co_await it instead)");
}

void concurrent_state_base::wait() const {
    if (done()) return;
    check_not_on_loop("get/wait");
    for (int i = 0; i < pause_spins; ++i) {
        if (done()) return;
        cpu_relax();
    }
    const auto yield_until = std::chrono::steady_clock::now() + yield_for;
    do {
        if (done()) return;
        std::this_thread::yield();
    } while (std::chrono::steady_clock::now() < yield_until);
    std::unique_lock lock(mutex_);
    ++sleepers_;
    cv_.wait(lock, [&] { return done(); });
    --sleepers_;
}

bool concurrent_state_base::wait_until(std::chrono::steady_clock::time_point deadline) const {
    if (done()) return true;
    std::unique_lock lock(mutex_);
    ++sleepers_;
    const bool ok = cv_.wait_until(lock, deadline, [&] { return done(); });
    --sleepers_;
    return ok;
}

void concurrent_state_base::rethrow_if_failed() const {
    const unsigned char s = status_.load(std::memory_order_acquire);
    if (s == pending) throw invalid_state_error("concurrent_future: result is not set yet");
    if (s == cancelled_status) throw cancelled_error(cancel_message_);
    if (error_) std::rethrow_exception(error_);
}

std::exception_ptr concurrent_state_base::stored_exception() const {
    const unsigned char s = status_.load(std::memory_order_acquire);
    if (s == pending) throw invalid_state_error("concurrent_future: exception is not set yet");
    if (s == cancelled_status) throw cancelled_error(cancel_message_);
    return error_;
}

void concurrent_state_base::complete(std::unique_lock<std::mutex>& lock, unsigned char status) {
    status_.store(status, std::memory_order_release);
    for (auto& w : waiters_) w.second();
    waiters_.clear();
    const bool wake = sleepers_ > 0;
    lock.unlock();
    if (wake) cv_.notify_all();
}

bool concurrent_state_base::cancel(std::string message) {
    std::unique_lock lock(mutex_);
    if (done()) return false;
    cancel_message_ = message;
    // Once launched the task is registered with its loop, so the loop is
    // still open: its close() would first have to take this lock.
    if (launched_) {
        try {
            loop_->call_soon_threadsafe([self = shared_from_this(), message] {
                if (self->link) self->link->cancel_task(message);
            });
        } catch (...) {
        }
    }
    complete(lock, cancelled_status);
    return true;
}

bool concurrent_state_base::set_exception(std::exception_ptr e) {
    std::unique_lock lock(mutex_);
    if (done()) return false;
    error_ = std::move(e);
    complete(lock, finished);
    return true;
}

bool concurrent_state_base::set_cancelled(std::string message) {
    std::unique_lock lock(mutex_);
    if (done()) return false;
    cancel_message_ = std::move(message);
    complete(lock, cancelled_status);
    return true;
}

bool concurrent_state_base::launched(threadsafe_link* l) {
    std::lock_guard lock(mutex_);
    link = l;
    launched_ = true;
    return !done();
}

std::uint64_t concurrent_state_base::add_waiter(std::function<void()> fn) {
    std::lock_guard lock(mutex_);
    if (done()) return 0;
    const std::uint64_t id = next_waiter_++;
    waiters_.emplace_back(id, std::move(fn));
    return id;
}

bool concurrent_state_base::remove_waiter(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(waiters_.begin(), waiters_.end(), [&](const auto& w) { return w.first == id; });
    if (it == waiters_.end()) return false;
    waiters_.erase(it);
    return true;
}

// --- concurrent_waiter ---------------------------------------------------------

concurrent_waiter::~concurrent_waiter() {
    if (waiter_) state_->remove_waiter(waiter_);
    if (ctl_) ctl_->self = nullptr;
}

void concurrent_waiter::await_suspend(std::coroutine_handle<> h) {
    event_loop* here = &get_running_loop();
    ctl_ = std::make_shared<wake_ctl>(wake_ctl{this});
    // Runs on the completing thread, under the state's lock; our destructor
    // removes it under the same lock, so `here` is alive when it runs.
    waiter_ = state_->add_waiter([ctl = ctl_, here] {
        try {
            here->call_soon_threadsafe([ctl] {
                if (concurrent_waiter* w = ctl->self) w->woken();
            });
        } catch (...) {
            // The awaiting loop is closing; its tasks are being destroyed.
        }
    });
    park(h);
    if (!waiter_) woken();  // completed meanwhile
}

void concurrent_waiter::woken() noexcept {
    waiter_ = 0;
    ctl_->self = nullptr;
    wake();
}

bool concurrent_waiter::request_cancel(const std::string& message) {
    if (!waiter_ || !state_->remove_waiter(waiter_)) return false;  // the wake-up is on its way
    waiter_ = 0;
    ctl_->self = nullptr;
    // asyncio.wrap_future: cancelling the awaiter cancels the source.
    cancelled_ = state_->cancel(message);
    wake();
    return cancelled_;
}

// --- the registry of unfinished run_coroutine_threadsafe tasks ------------------

class threadsafe_link::registry {
public:
    explicit registry(event_loop& loop) {
        loop.on_close([this] {
            while (head) head->abandon();  // each abandon unlinks itself
        });
    }
    void add(threadsafe_link* l) noexcept {
        l->next = head;
        if (head) head->prev = l;
        head = l;
    }
    void remove(threadsafe_link* l) noexcept {
        (l->prev ? l->prev->next : head) = l->next;
        if (l->next) l->next->prev = l->prev;
        l->prev = l->next = nullptr;
    }
    threadsafe_link* head = nullptr;
};

threadsafe_link::threadsafe_link(event_loop& loop) : registry_(&loop.extension<registry>()) { registry_->add(this); }

threadsafe_link::~threadsafe_link() { registry_->remove(this); }

}  // namespace corio::detail
