// Internal: the leaf awaiter that parks a task until a file descriptor is
// readable or writable, shared by the datagram endpoint and the subprocess
// code.
//
// An fd_slot is one direction (read or write) of one descriptor owned by an
// I/O object; at most one task waits on a slot at a time. The interest is
// registered with the reactor only while a task waits (see epoll_reactor.cpp).
// Cancellation: the registration is dropped at once and nothing was
// consumed, so a cancelled wait loses no data.
#pragma once

#include <stdexcept>
#include <string>
#include <system_error>

#include "corio/detail/awaiter.hpp"
#include "corio/io/reactor.hpp"

namespace corio::io::detail {

class fd_wait;

struct fd_slot {
    io::reactor* reactor = nullptr;
    int fd = -1;
    bool write = false;
    fd_wait* waiter = nullptr;  // the task parked on this slot, if any
    const char* what = "I/O";   // for the task tree and the busy error
};

class fd_wait final : public corio::detail::parked_awaiter, public io::io_watcher {
public:
    // std::runtime_error if another task already waits on this slot, as
    // asyncio's streams refuse two concurrent readers.
    explicit fd_wait(fd_slot& slot) : slot_(slot) {
        if (slot_.waiter)
            throw std::runtime_error(std::string(slot_.what) + "() called while another task is already waiting");
        if (slot_.fd < 0) throw std::system_error(EBADF, std::generic_category(), "the endpoint is closed");
    }
    ~fd_wait() { unregister(); }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
        if (slot_.write)
            slot_.reactor->set_writer(slot_.fd, this);
        else
            slot_.reactor->set_reader(slot_.fd, this);
        slot_.waiter = this;
        park(h);
    }
    void await_resume() {
        resume_or_throw(cancelled_);
        if (closed_) throw std::system_error(EBADF, std::generic_category(), "the endpoint was closed while waiting");
    }

    void on_io(std::uint32_t) override {
        unregister();
        wake();
    }
    // The owner closes the descriptor: the waiter resumes with an error.
    void close_wake() {
        unregister();
        closed_ = true;
        wake();
    }

private:
    bool request_cancel(const std::string&) override {
        if (slot_.waiter != this) return false;
        unregister();
        cancelled_ = true;
        wake();
        return true;
    }
    std::string describe() const override { return std::string(slot_.what); }

    void unregister() noexcept {
        if (slot_.waiter != this) return;
        slot_.waiter = nullptr;
        try {
            if (slot_.write)
                slot_.reactor->set_writer(slot_.fd, nullptr);
            else
                slot_.reactor->set_reader(slot_.fd, nullptr);
        } catch (...) {
            // Removing interest cannot fail for a registered fd; if the fd is
            // already gone, the reactor forgot it together with us.
        }
    }

    fd_slot& slot_;
    bool cancelled_ = false;
    bool closed_ = false;
};

}  // namespace corio::io::detail
