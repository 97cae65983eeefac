// stream_wait_list / stream_wait: tasks parked until some object says "go" (a stream
// got data, a write buffer drained, a transport closed). The object decides
// when to wait and what to check after waking; the list only parks and wakes.
// Cancellation: a parked waiter leaves the list at once and its await throws
// cancelled_error; the object's state is untouched.
#pragma once

#include <string>

#include "corio/detail/awaiter.hpp"

namespace corio::detail {

class stream_wait;

class stream_wait_list {
public:
    stream_wait_list() = default;
    stream_wait_list(const stream_wait_list&) = delete;
    stream_wait_list& operator=(const stream_wait_list&) = delete;
    ~stream_wait_list() { wake_all(); }

    bool empty() const noexcept { return head_ == nullptr; }
    inline void wake_all() noexcept;

private:
    friend class stream_wait;
    stream_wait* head_ = nullptr;
    stream_wait* tail_ = nullptr;
};

class stream_wait final : private parked_awaiter {
public:
    stream_wait(stream_wait_list& list, const char* what) noexcept : list_(list), what_(what) {}
    ~stream_wait() { unlink(); }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
        prev_ = list_.tail_;
        (prev_ ? prev_->next_ : list_.head_) = this;
        list_.tail_ = this;
        linked_ = true;
        park(h);
    }
    void await_resume() { resume_or_throw(cancelled_); }

private:
    friend class stream_wait_list;
    void unlink() noexcept {
        if (!linked_) return;
        (prev_ ? prev_->next_ : list_.head_) = next_;
        (next_ ? next_->prev_ : list_.tail_) = prev_;
        prev_ = next_ = nullptr;
        linked_ = false;
    }
    bool request_cancel(const std::string&) override {
        if (!linked_) return false;
        unlink();
        cancelled_ = true;
        wake();
        return true;
    }
    std::string describe() const override { return what_; }

    stream_wait_list& list_;
    const char* what_;
    stream_wait* prev_ = nullptr;
    stream_wait* next_ = nullptr;
    bool linked_ = false;
    bool cancelled_ = false;
};

void stream_wait_list::wake_all() noexcept {
    while (stream_wait* w = head_) {
        w->unlink();
        w->wake();
    }
}

}  // namespace corio::detail
