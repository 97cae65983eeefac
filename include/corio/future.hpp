// corio/future.hpp: future<T> (asyncio.Future).
//
// A copyable shared handle to a result that arrives later, bound to the loop
// that was running when it was made. Done callbacks are scheduled with
// call_soon, never run inline. States: pending, cancelled, finished (a stored
// exception is also "finished").
// Cancellation: cancelling a task that awaits a future cancels the future.
#pragma once

#include <exception>
#include <string>

#include "corio/detail/awaiter.hpp"
#include "corio/detail/future_state.hpp"
#include "corio/task.hpp"

namespace corio {

template <class T = void>
class future {
public:
    using value_type = T;
    using state_type = detail::future_state<T>;

    // A new pending future on the running loop (std::runtime_error without one).
    [[gnu::always_inline]] future() : s_(new state_type(&detail::running_scheduler()), true) {}
    explicit future(detail::scheduler& loop) : s_(new state_type(&loop), true) {}
    explicit future(state_type* s) noexcept : s_(s) {}

    bool done() const noexcept { return s_->done(); }
    bool cancelled() const noexcept { return s_->cancelled(); }
    bool cancel(std::string message = {}) const { return s_->cancel(std::move(message)); }

    template <class... U>
    void set_result(U&&... v) const {
        s_->set_result(std::forward<U>(v)...);
    }
    void set_exception(std::exception_ptr e) const { s_->set_exception(std::move(e)); }
    decltype(auto) result() const { return s_->take_result(); }
    std::exception_ptr exception() const { return s_->exception(); }

    // fn(const future<T>&) or fn(); scheduled with call_soon once done.
    template <class F>
    std::uint64_t add_done_callback(F fn) const {
        return s_->add_done_callback(detail::adapt_done_callback<F, future>(std::move(fn)));
    }
    bool remove_done_callback(std::uint64_t id) const { return s_->remove_done_callback(id); }

    detail::future_awaiter<state_type> operator co_await() const noexcept {
        return detail::future_awaiter<state_type>(s_.get());
    }
    state_type* state() const noexcept { return s_.get(); }

    friend bool operator==(const future& a, const future& b) noexcept { return a.s_ == b.s_; }

private:
    detail::state_ref<state_type> s_;
};

}  // namespace corio
