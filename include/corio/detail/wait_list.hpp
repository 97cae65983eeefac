// The waiting line behind every synchronization primitive and queue: an
// intrusive FIFO of parked tasks (asyncio's deque of waiter futures), and the
// awaiter that stands in it.
//
// A waiter leaves the line in exactly one of two ways: its owner takes it off
// with notify() (it has been "woken": the primitive may have reserved
// something for it), or its task is cancelled while it still stands in line
// (it leaves at once and never receives anything). A waiter that is woken and
// then cancelled before it runs is still "woken": await_resume() throws
// cancelled_error, and the primitive must pass what it reserved on to the
// next waiter. That hand-over is what keeps a cancelled waiter from
// swallowing a wake-up.
#pragma once

#include <coroutine>
#include <cstddef>
#include <string>

#include "corio/detail/awaiter.hpp"

namespace corio::detail {

class list_waiter;

class wait_list {
public:
    wait_list() = default;
    wait_list(const wait_list&) = delete;
    wait_list& operator=(const wait_list&) = delete;
    ~wait_list();

    bool empty() const noexcept { return head_ == nullptr; }
    std::size_t size() const noexcept { return size_; }

    void push_back(list_waiter* w) noexcept;
    void push_front(list_waiter* w) noexcept;
    list_waiter* pop_front() noexcept;
    void erase(list_waiter* w) noexcept;

private:
    list_waiter* head_ = nullptr;
    list_waiter* tail_ = nullptr;
    std::size_t size_ = 0;
};

// Parks the awaiting task in a wait_list until notify(). Primitives build one
// only when they must wait (their fast path stays a flag test) and add their
// own bookkeeping around await_resume().
class list_waiter final : public parked_awaiter {
public:
    // `what` names the wait for the task tree and must outlive the waiter
    // (a string literal). `at_front`: queue up first instead of last (a
    // waiter that lost its turn through no fault of its own).
    list_waiter(wait_list& list, const char* what, bool at_front = false) noexcept
        : list_(&list), what_(what), at_front_(at_front) {}
    ~list_waiter() {
        if (linked_) list_->erase(this);
        leave_transit();
    }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
        if (at_front_)
            list_->push_front(this);
        else
            list_->push_back(this);
        park(h);
    }
    // Returns if woken; throws cancelled_error if cancelled, including when
    // the cancellation arrived after the wake-up (then woken() is true).
    void await_resume() {
        leave_transit();
        resume_or_throw(cancelled_);
    }

    // Called by the owner once it has taken this waiter off the list.
    // `in_transit` (optional) counts woken waiters that have not run yet; it
    // is decremented when this waiter resumes or is destroyed.
    void notify(std::size_t* in_transit = nullptr) {
        woken_ = true;
        if (in_transit) {
            ++*in_transit;
            in_transit_ = in_transit;
        }
        wake();
    }

    bool woken() const noexcept { return woken_; }

private:
    friend class wait_list;

    bool request_cancel(const std::string&) override {
        if (!linked_) return false;  // already woken: the wake-up is on its way
        list_->erase(this);
        cancelled_ = true;
        wake();
        return true;
    }
    std::string describe() const override { return what_; }

    void leave_transit() noexcept {
        if (in_transit_) {
            --*in_transit_;
            in_transit_ = nullptr;
        }
    }

    wait_list* list_;
    const char* what_;
    list_waiter* prev_ = nullptr;
    list_waiter* next_ = nullptr;
    std::size_t* in_transit_ = nullptr;
    bool at_front_;
    bool linked_ = false;
    bool woken_ = false;
    bool cancelled_ = false;
};

inline void wait_list::push_back(list_waiter* w) noexcept {
    w->prev_ = tail_;
    w->next_ = nullptr;
    (tail_ ? tail_->next_ : head_) = w;
    tail_ = w;
    w->linked_ = true;
    ++size_;
}

inline void wait_list::push_front(list_waiter* w) noexcept {
    w->prev_ = nullptr;
    w->next_ = head_;
    (head_ ? head_->prev_ : tail_) = w;
    head_ = w;
    w->linked_ = true;
    ++size_;
}

inline void wait_list::erase(list_waiter* w) noexcept {
    (w->prev_ ? w->prev_->next_ : head_) = w->next_;
    (w->next_ ? w->next_->prev_ : tail_) = w->prev_;
    w->prev_ = w->next_ = nullptr;
    w->linked_ = false;
    --size_;
}

inline list_waiter* wait_list::pop_front() noexcept {
    list_waiter* w = head_;
    if (w) erase(w);
    return w;
}

// A primitive destroyed while tasks still wait on it is a bug in the caller;
// at least do not let their awaiters write into freed memory when they go.
inline wait_list::~wait_list() {
    while (head_) erase(head_);
}

}  // namespace corio::detail
