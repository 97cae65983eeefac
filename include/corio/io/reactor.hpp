// corio/io/reactor.hpp: the loop's pluggable "wait for events" step.
//
// When the loop has nothing ready to run it calls reactor::poll() with the
// time until its next timer. A reactor (epoll today, io_uring later) watches
// file descriptors and calls the registered io_watcher when one is ready;
// watchers only schedule work, they never run user code inline. wake() may
// be called from any thread to interrupt a poll (call_soon_threadsafe).
// asyncio counterpart: the selector inside BaseSelectorEventLoop.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

namespace corio::io {

// `hangup` accompanies readable|writable when the peer closed or the fd
// failed (EPOLLRDHUP / EPOLLHUP / EPOLLERR): an edge-triggered watcher must
// then stop trusting "a short read means the socket is drained".
enum io_events : std::uint32_t { readable = 1, writable = 2, hangup = 4 };

class io_watcher {
public:
    // `events` says what happened (readable / writable; errors and hang-ups
    // are reported as both, so that the next read or write sees the error).
    virtual void on_io(std::uint32_t events) = 0;

protected:
    ~io_watcher() = default;
};

class reactor {
public:
    virtual ~reactor() = default;

    // Wait up to `timeout` (nullopt: forever; zero: just look) and dispatch
    // ready watchers. Returns the number of events dispatched.
    virtual std::size_t poll(std::optional<std::chrono::nanoseconds> timeout) = 0;
    // Interrupt poll() from any thread.
    virtual void wake() noexcept = 0;

    // Set or clear (nullptr) the watcher for reads / writes on `fd`. At most
    // one of each per fd. The watcher must outlive its registration.
    virtual void set_reader(int fd, io_watcher* w) = 0;
    virtual void set_writer(int fd, io_watcher* w) = 0;
    // Forget `fd` entirely (call before closing it).
    virtual void forget(int fd) noexcept = 0;

    // Edge-triggered watch of both directions, registered once and kept until
    // forget(fd): `w` hears about every new readiness (readable, writable,
    // hangup), whether or not anyone waits. The watcher caches readiness and
    // must read or write until EAGAIN (or a short read without hangup) before
    // it may expect another call. This is what streams use: a stream that
    // parks costs no epoll_ctl. An fd is either attached or uses
    // set_reader/set_writer, never both (std::logic_error). An io_uring
    // backend can provide the same contract with a multishot poll per fd.
    virtual void attach(int fd, io_watcher* w) = 0;

    // Number of fds with a watcher (virtual time must not jump past I/O).
    virtual std::size_t watched() const noexcept = 0;
};

// The best backend for this machine (epoll).
std::unique_ptr<reactor> make_reactor();

}  // namespace corio::io
