// The machinery shared by queue, lifo_queue and priority_queue (asyncio's
// Queue; the three differ only in the Store that orders the items).
//
// Fairness: a getter woken by put_nowait() is "in transit" until it runs;
// the items it was woken for are not offered to newcomers, so a get() that
// arrives later queues up behind it (likewise for putters and free slots).
// get_nowait()/put_nowait() keep asyncio's behaviour and take what is there;
// a woken waiter that finds its item (or slot) gone that way waits again at
// the head of the line.
//
// Cancellation: a getter or putter cancelled in line leaves it; one cancelled
// after being woken takes nothing, leaves the item (or slot) in the queue and
// wakes the next waiter, so no item and no wake-up is lost.
#pragma once

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>

#include "corio/coro.hpp"
#include "corio/detail/count_arg.hpp"
#include "corio/detail/wait_list.hpp"
#include "corio/errors.hpp"
#include "corio/sync/event.hpp"

namespace corio::detail {

[[noreturn]] void throw_task_done_too_many();

template <class T, class Store>
class basic_queue {
public:
    using value_type = T;

    // get() takes an available item without suspending; otherwise it runs a
    // small coroutine that waits (and waits again if its item is taken by
    // get_nowait()), so the common path allocates nothing.
    class get_awaiter {
    public:
        explicit get_awaiter(basic_queue& q) noexcept : q_(q) {}
        bool await_ready() const noexcept { return q_.item_for_newcomer() || q_.shutdown_; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> h) {
            slow_ = q_.get_slow(item_);
            return typename coro<void>::awaiter{slow_}.await_suspend(h);
        }
        T await_resume() {
            if (!slow_.valid()) return q_.get_nowait();
            typename coro<void>::awaiter{slow_}.await_resume();
            return std::move(*item_);
        }

    private:
        basic_queue& q_;
        std::optional<T> item_;
        coro<void> slow_;
    };

    class put_awaiter {
    public:
        template <class U>
        put_awaiter(basic_queue& q, U&& v) : q_(q), item_(std::forward<U>(v)) {}
        bool await_ready() const noexcept { return q_.slot_for_newcomer() || q_.shutdown_; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> h) {
            slow_ = q_.put_slow(item_);
            return typename coro<void>::awaiter{slow_}.await_suspend(h);
        }
        void await_resume() {
            if (!slow_.valid()) return q_.put_nowait(std::move(item_));
            typename coro<void>::awaiter{slow_}.await_resume();
        }

    private:
        basic_queue& q_;
        T item_;
        coro<void> slow_;
    };

    basic_queue() : basic_queue(0) {}
    // maxsize <= 0: unbounded (asyncio).
    template <std::integral I>
    explicit basic_queue(I maxsize) : maxsize_(signed_count(maxsize)) {
        finished_.set();
    }
    basic_queue(const basic_queue&) = delete;
    basic_queue& operator=(const basic_queue&) = delete;

    std::size_t qsize() const noexcept { return store_.size(); }
    std::ptrdiff_t maxsize() const noexcept { return maxsize_; }
    bool empty() const noexcept { return store_.size() == 0; }
    bool full() const noexcept { return maxsize_ > 0 && store_.size() >= static_cast<std::size_t>(maxsize_); }
    bool is_shutdown() const noexcept { return shutdown_; }

    // Waits for a free slot; queue_shutdown once the queue is shut down.
    template <class U = T>
    requires std::constructible_from<T, U&&> put_awaiter put(U&& v) {
        return put_awaiter(*this, std::forward<U>(v));
    }
    // queue_full if full, queue_shutdown if shut down.
    template <class U = T>
    requires std::constructible_from<T, U&&>
    void put_nowait(U&& v) {
        if (shutdown_) throw queue_shutdown();
        if (full()) throw queue_full();
        store_.push(std::forward<U>(v));
        ++unfinished_;
        finished_.clear();
        wake_getters();
    }

    // Waits for an item; queue_shutdown once shut down and empty (at once
    // after shutdown(immediate = true)).
    get_awaiter get() noexcept { return get_awaiter(*this); }
    // queue_empty if empty (queue_shutdown if also shut down).
    T get_nowait() {
        if (empty()) {
            if (shutdown_) throw queue_shutdown();
            throw queue_empty();
        }
        T item = store_.pop();
        wake_putters();
        return item;
    }

    // One item taken with get() is processed. std::invalid_argument if
    // called more times than items were put.
    void task_done() {
        if (unfinished_ == 0) throw_task_done_too_many();
        if (--unfinished_ == 0) finished_.set();
    }
    // Waits until every item put has been marked done with task_done().
    event::wait_awaiter join() noexcept { return finished_.wait(); }

    // Python 3.13's Queue.shutdown: later put()s throw queue_shutdown, and
    // get()s once the queue is empty; blocked putters and getters are woken
    // to find that out. `immediate` also drops the items (each counts as
    // done, which may release join()).
    void shutdown(bool immediate = false) {
        shutdown_ = true;
        if (immediate) {
            while (!empty()) {
                store_.pop();
                if (unfinished_ > 0) --unfinished_;
            }
            if (unfinished_ == 0) finished_.set();
        }
        while (!getters_.empty()) getters_.pop_front()->notify(&getters_in_transit_);
        while (!putters_.empty()) putters_.pop_front()->notify(&putters_in_transit_);
    }

    // Tasks blocked in get() / put() (not counting woken ones).
    std::size_t getters() const noexcept { return getters_.size(); }
    std::size_t putters() const noexcept { return putters_.size(); }
    std::size_t unfinished_tasks() const noexcept { return unfinished_; }

private:
    // Items not already promised to a woken getter.
    bool item_for_newcomer() const noexcept { return store_.size() > getters_in_transit_; }
    bool slot_for_newcomer() const noexcept {
        return maxsize_ <= 0 || store_.size() + putters_in_transit_ < static_cast<std::size_t>(maxsize_);
    }

    void wake_getters() {
        while (!getters_.empty() && item_for_newcomer()) getters_.pop_front()->notify(&getters_in_transit_);
    }
    void wake_putters() {
        while (!putters_.empty() && slot_for_newcomer()) putters_.pop_front()->notify(&putters_in_transit_);
    }

    coro<void> get_slow(std::optional<T>& out) {
        bool at_front = false;
        do {
            if (shutdown_) throw queue_shutdown();
            list_waiter w(getters_, "queue.get", at_front);
            try {
                co_await w;
            } catch (...) {
                if (w.woken()) wake_getters();  // the item we were woken for stays for the next getter
                throw;
            }
            at_front = true;
        } while (empty());
        out.emplace(get_nowait());
    }

    coro<void> put_slow(T& item) {
        bool at_front = false;
        do {
            if (shutdown_) throw queue_shutdown();
            list_waiter w(putters_, "queue.put", at_front);
            try {
                co_await w;
            } catch (...) {
                if (w.woken()) wake_putters();  // the slot we were woken for goes to the next putter
                throw;
            }
            at_front = true;
        } while (full());
        put_nowait(std::move(item));
    }

    Store store_;
    std::ptrdiff_t maxsize_;
    wait_list getters_;
    wait_list putters_;
    std::size_t getters_in_transit_ = 0;
    std::size_t putters_in_transit_ = 0;
    std::size_t unfinished_ = 0;
    event finished_;
    bool shutdown_ = false;
};

}  // namespace corio::detail
