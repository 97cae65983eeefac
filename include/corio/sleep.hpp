// corio/sleep.hpp: co_await sleep(duration) (asyncio.sleep).
//
// sleep(0s) yields to the loop exactly once. The timer lives inside the
// awaiter (no allocation). Cancellation: the timer is removed at once and
// the sleep throws cancelled_error.
#pragma once

#include <chrono>
#include <string>

#include "corio/clock.hpp"
#include "corio/detail/awaiter.hpp"
#include "corio/detail/timer_heap.hpp"

namespace corio {

class sleep_awaiter final : private detail::timer_node, private detail::parked_awaiter {
public:
    // The delay waits in `when` until the sleep is awaited.
    explicit sleep_awaiter(clock::duration d) noexcept { when = clock::time_point(d); }
    ~sleep_awaiter() {
        if (queued()) loop()->remove_timer(this);
    }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
        detail::scheduler& s = *bind_task().loop();
        const clock::duration delay = when.time_since_epoch();
        if (delay > clock::duration::zero()) {
            when = s.loop_time() + delay;
            fire = [](timer_node* n) { static_cast<sleep_awaiter*>(n)->wake(); };
            s.add_timer(this);
            park(h);
        } else {
            when = {};  // not the cancelled mark
            park(h);
            wake();
        }
    }
    void await_resume() { resume_or_throw(when == cancelled_mark); }

private:
    bool request_cancel(const std::string&) override {
        if (!queued()) return false;
        loop()->remove_timer(this);
        when = cancelled_mark;
        wake();
        return true;
    }
    std::string describe() const override;

    // A cancelled sleep says so in its deadline: no flag, so the awaiter
    // stays 40 bytes of the sleeping coroutine's frame.
    static constexpr clock::time_point cancelled_mark = clock::time_point::min();
};

template <class Rep, class Period>
sleep_awaiter sleep(std::chrono::duration<Rep, Period> d) noexcept {
    return sleep_awaiter(std::chrono::duration_cast<clock::duration>(d));
}

}  // namespace corio
