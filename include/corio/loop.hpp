// corio/loop.hpp: event_loop, get_running_loop, run (asyncio's event loop,
// asyncio.get_running_loop and asyncio.run).
//
// One loop per thread. An iteration: wait for I/O (the reactor, blocking only
// when nothing is ready), expire due timers, then run every callback and task
// step that was ready when the iteration began; whatever those schedule runs
// in the next iteration, which is why sleep(0s) yields exactly once.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "corio/clock.hpp"
#include "corio/coro.hpp"
#include "corio/detail/scheduler.hpp"
#include "corio/future.hpp"
#include "corio/io/endpoint.hpp"
#include "corio/io/reactor.hpp"
#include "corio/task.hpp"

namespace corio {

class event_loop;
class socket;    // corio/io/socket.hpp
class executor;  // corio/threads/executor.hpp

// What the loop's exception handler receives (asyncio's context dict).
struct exception_context {
    std::string message;
    std::exception_ptr exception;
    task_handle task;
};

using exception_handler = std::function<void(event_loop&, const exception_context&)>;

// asyncio.Handle / TimerHandle: cancels a callback that has not run yet.
class callback_handle {
public:
    callback_handle() = default;
    explicit callback_handle(detail::callback_node* n) noexcept;
    callback_handle(const callback_handle& o) noexcept;
    callback_handle(callback_handle&& o) noexcept;
    callback_handle& operator=(callback_handle o) noexcept;
    ~callback_handle();

    void cancel() noexcept;
    bool cancelled() const noexcept;

private:
    detail::callback_node* node_ = nullptr;
};

struct loop_options {
    bool debug = false;  // also enabled by the environment variable CORIO_DEBUG=1
    clock_kind clock = clock_kind::steady;
};
using run_options = loop_options;

class event_loop : public detail::scheduler {
public:
    explicit event_loop(loop_options options = {});
    ~event_loop();
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;

    // Runs the loop until the awaitable is done; returns its result or rethrows.
    template <class T>
    T run_until_complete(coro<T> c) {
        return run_until_complete(create_task(std::move(c)));
    }
    template <class T>
    T run_until_complete(task<T> t) {
        run_until_done(*t.state());
        return t.result();
    }
    template <class T>
    T run_until_complete(future<T> f) {
        run_until_done(*f.state());
        return f.result();
    }
    void run_forever();
    void stop() noexcept { stopping_ = true; }
    void close();
    bool is_running() const noexcept { return running_; }
    bool is_closed() const noexcept { return closed_; }

    callback_handle call_soon(std::function<void()> fn);
    callback_handle call_at(clock::time_point when, std::function<void()> fn);
    template <class Rep, class Period>
    callback_handle call_later(std::chrono::duration<Rep, Period> delay, std::function<void()> fn) {
        return call_at(time() + std::chrono::duration_cast<clock::duration>(delay), std::move(fn));
    }
    // From any thread; wakes the loop. std::runtime_error once the loop is closed.
    void call_soon_threadsafe(std::function<void()> fn);
    clock::time_point time() const noexcept;

    template <class T = void>
    future<T> create_future() {
        check_open();
        return future<T>(*this);
    }
    template <class T>
    task<T> create_task(coro<T> c, std::string name = {}) {
        check_open();
        check_thread("create_task");
        task<T> t = detail::spawn(*this, c);
        if (!name.empty()) t.set_name(std::move(name));
        return t;
    }

    // asyncio's loop.run_in_executor: fn(args...) runs on `ex` (nullptr: the
    // loop's default executor), submitted at once; returns a future<R>.
    // Defined in corio/threads/executor.hpp.
    template <class F, class... Args>
    auto run_in_executor(executor* ex, F&& fn, Args&&... args);

    void set_debug(bool on) noexcept { debug_ = on; }
    bool get_debug() const noexcept { return debug_; }
    void slow_callback_duration(clock::duration d) noexcept { slow_callback_ = d; }
    clock::duration slow_callback_duration() const noexcept { return slow_callback_; }
    void set_exception_handler(exception_handler fn) { handler_ = std::move(fn); }
    void call_exception_handler(const exception_context& ctx) noexcept;
    void default_exception_handler(const exception_context& ctx) noexcept;

    // asyncio's add_reader & co: fn runs (scheduled) each time fd is ready.
    void add_reader(int fd, std::function<void()> fn);
    bool remove_reader(int fd);
    void add_writer(int fd, std::function<void()> fn);
    bool remove_writer(int fd);

    // asyncio's add_signal_handler: fn runs on this loop (scheduled, never
    // inside the signal handler) each time `sig` arrives; one loop owns a
    // signal at a time. remove_signal_handler returns whether one was removed.
    // Defined in src/io/signals.cpp; see corio/io/signals.hpp.
    void add_signal_handler(int sig, std::function<void()> fn);
    bool remove_signal_handler(int sig);

    io::reactor& reactor() noexcept { return *reactor_; }
    // For corio's own services (the signal self-pipe): an fd they keep
    // watched that does not need polling on every busy iteration.
    void count_service_fd(int delta) noexcept { service_fds_ += delta; }

    // asyncio's loop.sock_recv / sock_recv_into / sock_sendall / sock_connect /
    // sock_accept, on a non-blocking socket fd (corio/io/socket.hpp makes
    // them; defined in src/io/sock_ops.cpp). sock_recv returns "" at EOF;
    // sock_connect resolves names; sock_accept returns the new socket and its
    // peer. Cancellation: a cancelled recv or accept consumes nothing; a
    // cancelled sendall may have sent part of the data, and a cancelled
    // connect leaves the socket unusable (close it), as in asyncio.
    coro<std::string> sock_recv(int fd, std::size_t n);
    coro<std::size_t> sock_recv_into(int fd, std::span<std::byte> buf);
    coro<void> sock_sendall(int fd, std::string_view data);
    coro<void> sock_sendall(int fd, std::span<const std::byte> data);
    coro<void> sock_connect(int fd, endpoint address);
    coro<std::pair<socket, endpoint>> sock_accept(int fd);

    // Work running outside the loop (executor jobs) that will come back with
    // call_soon_threadsafe: while any is pending, virtual time stands still.
    void begin_external_work() noexcept { ++external_work_; }
    void end_external_work() noexcept { --external_work_; }

    // Called with the loop when it closes (the default executor shuts down here).
    void on_close(std::function<void()> fn) { close_hooks_.push_back(std::move(fn)); }

    // Loop-local data other modules hang on the loop (executor, signals...).
    template <class T>
    T& extension() {
        static const int key = 0;
        for (auto& e : extensions_)
            if (e.key == &key) return *static_cast<T*>(e.ptr.get());
        extensions_.push_back({&key, std::shared_ptr<void>(std::make_shared<T>(*this))});
        return *static_cast<T*>(extensions_.back().ptr.get());
    }

    // asyncio.run's ending: cancel every unfinished task and let them clean up.
    void cancel_all_tasks();

private:
    class fd_callbacks;
    friend class fd_callbacks;

    void check_open() const;
    // Debug mode: reports a loop-local call made from a thread other than
    // the one running the loop (asyncio's _check_thread).
    void check_thread(const char* api) const {
        if (debug_) report_wrong_thread(api);
    }
    void report_wrong_thread(const char* api) const;
    void run_until_done(detail::future_base& f);
    void run_once();
    void run_ready(std::size_t n);
    void run_ready_timed(std::size_t n);
    void run_callback(detail::callback_node* cb);
    void run_entry(detail::ready_entry e);
    void drain_threadsafe();
    bool await_threadsafe_briefly() noexcept;
    void expire_timers() noexcept;
    void clear_pending() noexcept;

    std::unique_ptr<io::reactor> reactor_;
    clock_kind clock_;
    bool running_ = false;
    bool stopping_ = false;
    bool closed_ = false;
    bool debug_ = false;
    std::atomic<std::thread::id> owner_thread_{};  // the thread in run_forever
    clock::duration slow_callback_ = std::chrono::milliseconds(100);
    exception_handler handler_;
    int external_work_ = 0;
    int service_fds_ = 0;
    unsigned busy_iterations_ = 0;
    std::unique_ptr<fd_callbacks> fd_callbacks_;

    std::mutex threadsafe_mutex_;
    std::vector<std::function<void()>> threadsafe_queue_;
    std::atomic<bool> threadsafe_pending_{false};
    bool threadsafe_recent_ = false;  // loop thread only: a batch arrived since the last quiet spell
    std::atomic<bool> threadsafe_closed_{false};

    struct extension_slot {
        const void* key;
        std::shared_ptr<void> ptr;
    };
    std::vector<extension_slot> extensions_;
    std::vector<std::function<void()>> close_hooks_;
    detail::running_context saved_context_;
};

// asyncio.get_running_loop(): std::runtime_error if no loop runs on this thread.
event_loop& get_running_loop();

namespace detail {
void run_main(event_loop& loop, future_base& main);
}

// asyncio.run(): a new loop runs `main`; then every task still pending is
// cancelled and awaited, the default executor shut down and the loop closed.
// Returns main's result or rethrows its exception. std::runtime_error when
// called while this thread's loop is running.
// SIGINT during run cancels the main task; run() then throws
// corio::keyboard_interrupt (see corio/io/signals.hpp).
template <class T>
T run(coro<T> main, run_options options = {}) {
    if (detail::current.loop)
        throw std::runtime_error("corio::run() cannot be called from a running event loop");
    event_loop loop(options);
    task<T> t = loop.create_task(std::move(main));
    detail::run_main(loop, *t.state());
    return t.result();
}

}  // namespace corio

#include "corio/threads/executor.hpp"  // event_loop::run_in_executor
