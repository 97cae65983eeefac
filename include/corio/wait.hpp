// corio/wait.hpp: wait, wait_for, as_completed (asyncio.wait,
// asyncio.wait_for, asyncio.as_completed).
//
// wait(range, first_completed | first_exception | all_completed, timeout)
// returns {done, pending} as vectors of handles and never cancels anything;
// a timeout just returns the split. Cancellation: cancelling the waiter
// leaves the awaited tasks running.
//
// wait_for(aw, timeout) awaits `aw` under a deadline, like asyncio 3.12's
// wait_for (built on asyncio.timeout): at the deadline the waiting task is
// cancelled, which cancels what it awaits, and the cancellation is turned
// into timeout_error once the awaited thing has finished. A coroutine runs
// inside the waiting task; a task or future is awaited (and cancelled on
// timeout). wait_for(done_task, 0s) returns its result.
//
// as_completed(range) gives one future per input, resolved in completion order.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <vector>

#include "corio/detail/awaitable_traits.hpp"
#include "corio/loop.hpp"

namespace corio {

enum class return_when { first_completed, first_exception, all_completed };
inline constexpr return_when first_completed = return_when::first_completed;
inline constexpr return_when first_exception = return_when::first_exception;
inline constexpr return_when all_completed = return_when::all_completed;

template <class H>
struct wait_result {
    std::vector<H> done;
    std::vector<H> pending;
};

namespace detail {

bool wait_satisfied(return_when when, std::size_t done, std::size_t total, bool failed) noexcept;

// Cancels a timer when the coroutine frame that armed it unwinds.
struct disarm_on_exit {
    callback_handle& handle;
    ~disarm_on_exit() { handle.cancel(); }
};

template <class H>
coro<wait_result<H>> wait_impl(std::vector<H> fs, return_when when, std::optional<clock::duration> timeout) {
    struct watch final : completion_node {
        std::size_t* done;
        bool* failed;
        std::size_t total;
        return_when when;
        future<void>* waiter;
        void on_done(future_base& f) override {
            ++*done;
            // Only first_exception looks at the exception (which, as in
            // asyncio, counts as retrieving it); the other modes leave a
            // failure for the caller to retrieve or have reported.
            if (when == return_when::first_exception && !f.cancelled() && f.exception()) *failed = true;
            if (!waiter->done() && wait_satisfied(when, *done, total, *failed)) waiter->set_result();
        }
    };
    std::size_t done = 0;
    bool failed = false;
    for (auto& f : fs) {
        if (!f.done()) continue;
        ++done;
        if (when == return_when::first_exception && !f.cancelled() && f.exception()) failed = true;
    }
    if (!wait_satisfied(when, done, fs.size(), failed)) {
        future<void> waiter;
        auto watches = std::make_unique<watch[]>(fs.size());
        for (std::size_t i = 0; i < fs.size(); ++i) {
            watches[i].done = &done;
            watches[i].failed = &failed;
            watches[i].total = fs.size();
            watches[i].when = when;
            watches[i].waiter = &waiter;
            if (!fs[i].done()) fs[i].state()->add_completion(&watches[i]);
        }
        callback_handle timer;
        if (timeout)
            timer = get_running_loop().call_later(*timeout, [waiter] {
                if (!waiter.done()) waiter.set_result();
            });
        disarm_on_exit disarm_timer{timer};  // also when this wait is cancelled
        co_await waiter;
    }
    wait_result<H> out;
    for (auto& f : fs) (f.done() ? out.done : out.pending).push_back(std::move(f));
    co_return out;
}

template <class T>
coro<T> wait_for_impl(auto aw, clock::duration timeout) {
    if constexpr (requires { aw.done(); }) {
        if (aw.done()) co_return aw.result();
    } else if (timeout <= clock::duration::zero()) {
        // asyncio never starts a coroutine given no time at all (nor reports it unawaited).
        if constexpr (requires { aw.release(); }) aw.release().destroy();
        throw timeout_error();
    }
    task_base* me = current.task;
    if (!me) throw std::runtime_error("wait_for must be awaited inside a task");
    const int cancelling_at_start = me->cancelling();
    bool expired = false;
    event_loop& loop = get_running_loop();
    callback_handle deadline = loop.call_later(timeout, [me, &expired] {
        expired = true;
        me->cancel();
    });
    // On every way out, including an exception from `aw`: a deadline left
    // armed would write to this dead frame and cancel the task later.
    disarm_on_exit disarm_deadline{deadline};
    std::optional<detail::result_slot<T>> result;
    bool timed_out = false;
    try {
        if constexpr (std::is_void_v<T>) {
            co_await aw;
        } else {
            result.emplace();
            result->set(co_await aw);
        }
    } catch (const cancelled_error&) {
        deadline.cancel();
        if (!expired) throw;
        if (me->uncancel() > cancelling_at_start) throw;  // someone else cancelled us too
        timed_out = true;
    }
    if (timed_out) throw timeout_error();
    deadline.cancel();
    if (expired) me->uncancel();
    if constexpr (!std::is_void_v<T>) co_return result->take();
}

}  // namespace detail

template <detail::gatherable_range R>
auto wait(R&& range, return_when when = all_completed,
          std::optional<clock::duration> timeout = std::nullopt) {
    using H = detail::handle_of<std::ranges::range_value_t<std::remove_cvref_t<R>>>;
    std::vector<H> handles;
    for (auto&& a : range) {
        if constexpr (std::is_rvalue_reference_v<R&&>)
            handles.push_back(detail::ensure_handle(std::move(a)));
        else
            handles.push_back(detail::ensure_handle(a));
    }
    if (handles.empty()) throw std::invalid_argument("wait: the set of awaitables is empty");
    return detail::wait_impl<H>(std::move(handles), when, timeout);
}

template <detail::gatherable_range R, class Rep, class Period>
auto wait(R&& range, return_when when, std::chrono::duration<Rep, Period> timeout) {
    return wait(std::forward<R>(range), when,
                std::optional<clock::duration>(std::chrono::duration_cast<clock::duration>(timeout)));
}

// Awaits `aw` (coro, task or future) for at most `timeout`; timeout_error after.
template <class A, class Rep, class Period>
requires detail::awaitable_handle<A> coro<detail::value_of<A>> wait_for(
    A&& aw, std::chrono::duration<Rep, Period> timeout) {
    using T = detail::value_of<A>;
    return detail::wait_for_impl<T>(std::remove_cvref_t<A>(std::forward<A>(aw)),
                                    std::chrono::duration_cast<clock::duration>(timeout));
}

// One future per input, resolved in the order the inputs complete.
template <detail::gatherable_range R>
auto as_completed(R&& range) {
    using H = detail::handle_of<std::ranges::range_value_t<std::remove_cvref_t<R>>>;
    using T = typename H::value_type;
    std::vector<H> handles;
    for (auto&& a : range) {
        if constexpr (std::is_rvalue_reference_v<R&&>)
            handles.push_back(detail::ensure_handle(std::move(a)));
        else
            handles.push_back(detail::ensure_handle(a));
    }
    std::vector<future<T>> slots(handles.size());
    auto next = std::make_shared<std::size_t>(0);
    for (auto& h : handles) {
        h.add_done_callback([slots, next](const H& done) {
            const future<T>& slot = slots[(*next)++];
            if (done.cancelled()) {
                slot.cancel();
            } else if (auto e = done.exception()) {
                slot.set_exception(e);
            } else if constexpr (std::is_void_v<T>) {
                slot.set_result();
            } else {
                slot.set_result(done.result());
            }
        });
    }
    return slots;
}

}  // namespace corio
