// readiness_wait: a leaf awaiter that waits once until an fd is readable or
// writable (level-triggered, registered only while waiting).
//
// What loop.sock_*, accept loops and datagram endpoints park on. Two
// epoll_ctl per wait, which is fine off the hot path; streams use the
// edge-triggered attach() instead (see stream_transport.hpp).
// Cancellation: the registration is dropped at once and the await throws
// cancelled_error; nothing was read or written.
#pragma once

#include <string>

#include "corio/detail/awaiter.hpp"
#include "corio/io/reactor.hpp"

namespace corio::detail {

class readiness_wait final : private parked_awaiter, private io::io_watcher {
public:
    // `events` is io::readable or io::writable.
    readiness_wait(int fd, std::uint32_t events, const char* what = "readiness_wait") noexcept
        : fd_(fd), events_(events), what_(what) {}
    ~readiness_wait() { unregister(); }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h);
    void await_resume() { resume_or_throw(cancelled_); }

private:
    void on_io(std::uint32_t) override {
        unregister();
        wake();
    }
    bool request_cancel(const std::string&) override {
        if (!registered_) return false;
        unregister();
        cancelled_ = true;
        wake();
        return true;
    }
    std::string describe() const override { return std::string(what_) + " fd " + std::to_string(fd_); }
    void unregister() noexcept;

    int fd_;
    std::uint32_t events_;
    const char* what_;
    io::reactor* reactor_ = nullptr;
    bool registered_ = false;
    bool cancelled_ = false;
};

}  // namespace corio::detail
