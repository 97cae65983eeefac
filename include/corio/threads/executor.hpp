// corio/threads/executor.hpp: executor, thread_pool_executor and
// event_loop::run_in_executor (concurrent.futures.ThreadPoolExecutor and
// asyncio's loop.run_in_executor).
//
// loop.run_in_executor(ex, fn, args...) submits fn(args...) to `ex` at once
// (nullptr: the loop's default executor, made on first use and shut down when
// the loop closes) and returns a corio::future<R> that completes on the loop.
// Arguments are copied and passed as rvalues, as std::thread does (std::ref
// passes a reference). There is no GIL: jobs really run in parallel.
// Cancellation: cancelling the future (or the task awaiting it) never kills a
// running function, its result is dropped; a job that has not started never
// runs; a function whose first parameter is std::stop_token sees a stop
// request, so long work can end early (asyncio's cancelled jobs run on).
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "corio/loop.hpp"

namespace corio {

namespace detail {
class completion_queue;
class executor_bridge;
}  // namespace detail

// One call submitted to an executor. An executor calls run() exactly once on
// some thread, or abandon() if it drops the job unrun (shutdown with
// cancel_pending); after either call the job is no longer the executor's.
class executor_job : public detail::pooled {
public:
    executor_job(const executor_job&) = delete;
    executor_job& operator=(const executor_job&) = delete;
    virtual ~executor_job() = default;

    // Runs the function unless the job was cancelled before it started, then
    // sends the outcome home to its loop.
    void run() noexcept;
    // Sends the job home unrun: its future ends cancelled.
    void abandon() noexcept;

    // Loop thread: the job will not start if it has not yet, and a function
    // taking a std::stop_token sees a stop request.
    void cancel() noexcept;

    executor_job* next = nullptr;  // free for the executor's own queue

protected:
    executor_job() = default;

    virtual void invoke() noexcept = 0;   // on the worker: call, keep the outcome
    virtual void deliver() noexcept = 0;  // on the loop: complete the future
    virtual void forget() noexcept = 0;   // on the loop: drop the future (loop closing)
    virtual void request_stop() noexcept {}

    bool was_abandoned() const noexcept { return state_.load(std::memory_order_relaxed) == abandoned; }

private:
    friend class detail::executor_bridge;

    enum : unsigned char { queued, running, cancelled, abandoned };
    std::atomic<unsigned char> state_{queued};
    std::shared_ptr<detail::completion_queue> home_;
    // The loop's list of jobs in flight (loop thread only).
    executor_job* prev_in_flight_ = nullptr;
    executor_job* next_in_flight_ = nullptr;
};

// What run_in_executor submits to. submit() may throw to refuse a job (the
// job then stays with the caller).
class executor {
public:
    virtual ~executor() = default;
    virtual void submit(executor_job& job) = 0;
};

// concurrent.futures.ThreadPoolExecutor: up to max_workers threads, started
// on demand, share a FIFO queue of at most max_queued waiting jobs (rounded
// up to a power of two). submit() throws std::runtime_error once the queue
// is full or after shutdown. The destructor is shutdown(true); do not
// destroy a pool from one of its own jobs.
class thread_pool_executor final : public executor {
public:
    explicit thread_pool_executor(std::size_t max_workers = default_max_workers(),
                                  std::size_t max_queued = default_max_queued);
    ~thread_pool_executor() override;
    thread_pool_executor(const thread_pool_executor&) = delete;
    thread_pool_executor& operator=(const thread_pool_executor&) = delete;

    void submit(executor_job& job) override;
    // Refuses new jobs; waiting jobs still run unless cancel_pending (then
    // their futures end cancelled). wait: join the threads before returning
    // (std::logic_error from one of the pool's own jobs).
    void shutdown(bool wait = true, bool cancel_pending = false);

    std::size_t max_workers() const noexcept;
    std::size_t max_queued() const noexcept;
    // min(32, cores + 4), as Python's ThreadPoolExecutor.
    static std::size_t default_max_workers() noexcept;
    static constexpr std::size_t default_max_queued = 16384;

private:
    struct state;
    std::unique_ptr<state> s_;
};

namespace detail {

template <class F, class... A>
inline constexpr bool takes_stop_token = std::is_invocable_v<std::decay_t<F>, std::stop_token, std::decay_t<A>...>;

template <bool Token, class F, class... A>
struct executor_result;
template <class F, class... A>
struct executor_result<true, F, A...> {
    using type = std::decay_t<std::invoke_result_t<std::decay_t<F>, std::stop_token, std::decay_t<A>...>>;
};
template <class F, class... A>
struct executor_result<false, F, A...> {
    using type = std::decay_t<std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>>;
};
// What fn(args...) gives back through the future (a reference is copied).
template <class F, class... A>
using executor_result_t = typename executor_result<takes_stop_token<F, A...>, F, A...>::type;

template <class F, class... A>
concept executor_callable =
    std::is_invocable_v<std::decay_t<F>, std::decay_t<A>...> || takes_stop_token<F, A...>;

// The future run_in_executor returns: cancelling it cancels the job.
template <class R>
class job_future_state final : public future_state<R> {
public:
    using future_state<R>::future_state;
    bool cancel(std::string message = {}) override {
        if (!future_state<R>::cancel(std::move(message))) return false;
        if (job) job->cancel();
        return true;
    }
    const char* kind() const noexcept override { return "run_in_executor"; }

    executor_job* job = nullptr;  // loop thread only; null once the job reported
};

template <bool Token>
struct stop_holder {
    std::stop_source source;
};
template <>
struct stop_holder<false> {};

template <class R, class F, class... A>
class function_job final : public executor_job {
public:
    template <class G, class... B>
    function_job(job_future_state<R>* f, G&& fn, B&&... args)
        : fn_(std::forward<G>(fn)), args_(std::forward<B>(args)...), future_(f) {
        f->add_ref();
        f->job = this;
    }
    ~function_job() override { forget(); }

private:
    static constexpr bool token = takes_stop_token<F, A...>;

    void invoke() noexcept override {
        try {
            std::apply(
                [this](A&... a) {
                    if constexpr (std::is_void_v<R>) {
                        call(a...);
                    } else {
                        value_.emplace(call(a...));
                    }
                },
                args_);
        } catch (...) {
            error_ = std::current_exception();
        }
    }
    decltype(auto) call(A&... a) {
        if constexpr (token)
            return std::invoke(std::move(fn_), stop_.source.get_token(), std::move(a)...);
        else
            return std::invoke(std::move(fn_), std::move(a)...);
    }

    void deliver() noexcept override {
        job_future_state<R>* f = std::exchange(future_, nullptr);
        if (!f) return;
        f->job = nullptr;
        if (!f->done()) {
            try {
                if (was_abandoned()) {
                    f->cancel("executor shut down before the job started");
                } else if (error_) {
                    f->set_exception(error_);
                } else if constexpr (std::is_void_v<R>) {
                    f->set_result();
                } else if (value_) {
                    f->set_result(std::move(*value_));
                } else {
                    f->cancel();  // skipped: cancelled before it started
                }
            } catch (...) {
                f->set_exception(std::current_exception());
            }
        }
        f->release();
    }
    void forget() noexcept override {
        if (job_future_state<R>* f = std::exchange(future_, nullptr)) {
            f->job = nullptr;
            f->release();
        }
    }
    void request_stop() noexcept override {
        if constexpr (token) stop_.source.request_stop();
    }

    F fn_;
    std::tuple<A...> args_;
    job_future_state<R>* future_;  // one reference, loop thread only
    [[no_unique_address]] stop_holder<token> stop_;
    [[no_unique_address]] std::conditional_t<std::is_void_v<R>, none, std::optional<R>> value_;
    std::exception_ptr error_;
};

// Per-loop: the default executor and the way finished jobs come home.
// Completions are batched: one call_soon_threadsafe wakes the loop for every
// job that finishes before the loop gets to them.
class executor_bridge {
public:
    explicit executor_bridge(event_loop& loop);
    ~executor_bridge();
    executor_bridge(const executor_bridge&) = delete;
    executor_bridge& operator=(const executor_bridge&) = delete;

    // Takes the job (deleted on failure, then rethrows).
    void submit(executor* ex, executor_job* job);
    thread_pool_executor& default_executor();

private:
    void drain() noexcept;
    void on_close() noexcept;
    void link(executor_job* j) noexcept;
    void unlink(executor_job* j) noexcept;

    event_loop& loop_;
    std::shared_ptr<completion_queue> queue_;
    std::unique_ptr<thread_pool_executor> default_;
    executor_job* in_flight_ = nullptr;
};

}  // namespace detail

template <class F, class... Args>
auto event_loop::run_in_executor(executor* ex, F&& fn, Args&&... args) {
    static_assert(detail::executor_callable<F, Args...>,
                  "run_in_executor: fn is not callable with these arguments (they are copied and passed as "
                  "rvalues; use std::ref to pass a reference)");
    using R = detail::executor_result_t<F, Args...>;
    using job_type = detail::function_job<R, std::decay_t<F>, std::decay_t<Args>...>;
    check_open();
    check_thread("run_in_executor");
    auto* state = new detail::job_future_state<R>(this);
    future<R> result(state);
    state->release();  // `result` holds the only reference; the job takes another
    extension<detail::executor_bridge>().submit(
        ex, new job_type(state, std::forward<F>(fn), std::forward<Args>(args)...));
    return result;
}

}  // namespace corio
