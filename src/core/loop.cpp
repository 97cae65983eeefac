#include "corio/loop.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "corio/debug/logger.hpp"
#include "corio/io/signals.hpp"

namespace corio {
namespace detail {
namespace {

// A call_soon / call_later callback.
class function_callback final : public callback_node, public timer_node {
public:
    explicit function_callback(std::function<void()> fn) : fn_(std::move(fn)) {}
    // The heap's reference moves to the ready queue.
    static void fire_now(timer_node* n) {
        auto* f = static_cast<function_callback*>(n);
        f->owner->schedule(f);
    }
    void run() override {
        if (!cancelled) fn_();
    }
    // Frees what the callback captured; only for a callback that cannot be running.
    void drop() noexcept { fn_ = nullptr; }

    scheduler* owner = nullptr;  // the loop whose heap holds this timer

private:
    std::function<void()> fn_;
};

// Stops `loop` the way asyncio's run_until_complete does, from a done
// callback: at the end of the next iteration, so that what the finished
// future's last step scheduled (say, a task it created) still runs once.
void stop_soon(event_loop* loop) {
    loop->call_soon([loop] { loop->stop(); });
}

}  // namespace
}  // namespace detail

// --- callback_handle ---------------------------------------------------------

callback_handle::callback_handle(detail::callback_node* n) noexcept : node_(n) {
    if (node_) node_->add_ref();
}
callback_handle::callback_handle(const callback_handle& o) noexcept : callback_handle(o.node_) {}
callback_handle::callback_handle(callback_handle&& o) noexcept : node_(std::exchange(o.node_, nullptr)) {}
callback_handle& callback_handle::operator=(callback_handle o) noexcept {
    std::swap(node_, o.node_);
    return *this;
}
callback_handle::~callback_handle() {
    if (node_) node_->release();
}

void callback_handle::cancel() noexcept {
    if (!node_ || node_->cancelled) return;
    node_->cancelled = true;
    // A timer still waiting leaves its own loop's heap now (whichever loop
    // runs, if any), so cancelled timers never pile up, and what it captured
    // is freed at once, as asyncio's Handle.cancel() does.
    if (auto* t = dynamic_cast<detail::function_callback*>(node_); t && t->queued()) {
        t->owner->remove_timer(t);
        t->drop();
        node_->release();
    }
}

bool callback_handle::cancelled() const noexcept { return node_ && node_->cancelled; }

// --- add_reader / add_writer -------------------------------------------------

// The callbacks registered with add_reader/add_writer, one watcher per fd and direction.
class event_loop::fd_callbacks {
public:
    struct watcher final : io::io_watcher {
        event_loop* loop;
        std::function<void()> fn;
        void on_io(std::uint32_t) override { loop->call_soon(fn); }
    };
    std::unordered_map<int, std::unique_ptr<watcher>> readers, writers;
};

void event_loop::add_reader(int fd, std::function<void()> fn) {
    check_open();
    auto& w = fd_callbacks_->readers[fd];
    if (!w) w = std::make_unique<fd_callbacks::watcher>();
    w->loop = this;
    w->fn = std::move(fn);
    reactor_->set_reader(fd, w.get());
}

bool event_loop::remove_reader(int fd) {
    auto it = fd_callbacks_->readers.find(fd);
    if (it == fd_callbacks_->readers.end()) return false;
    if (!closed_) reactor_->set_reader(fd, nullptr);
    fd_callbacks_->readers.erase(it);
    return true;
}

void event_loop::add_writer(int fd, std::function<void()> fn) {
    check_open();
    auto& w = fd_callbacks_->writers[fd];
    if (!w) w = std::make_unique<fd_callbacks::watcher>();
    w->loop = this;
    w->fn = std::move(fn);
    reactor_->set_writer(fd, w.get());
}

bool event_loop::remove_writer(int fd) {
    auto it = fd_callbacks_->writers.find(fd);
    if (it == fd_callbacks_->writers.end()) return false;
    if (!closed_) reactor_->set_writer(fd, nullptr);
    fd_callbacks_->writers.erase(it);
    return true;
}

// --- the loop ----------------------------------------------------------------

event_loop::event_loop(loop_options options)
    : reactor_(io::make_reactor()),
      clock_(options.clock),
      debug_(options.debug || debug_from_environment()),
      fd_callbacks_(std::make_unique<fd_callbacks>()) {
    virtual_time_ = clock_ == clock_kind::virtual_time;
    now_ = virtual_time_ ? clock::time_point{} : steady_now();
}

event_loop::~event_loop() {
    if (running_) std::fputs("corio: event_loop destroyed while running\n", stderr);
    if (!closed_) close();
}

void event_loop::check_open() const {
    if (closed_) throw std::runtime_error("event loop is closed");
}

clock::time_point event_loop::time() const noexcept { return loop_time(); }

void event_loop::report_wrong_thread(const char* api) const {
    const std::thread::id owner = owner_thread_.load(std::memory_order_relaxed);
    if (owner == std::thread::id{} || owner == std::this_thread::get_id()) return;
    log(std::string("Non-thread-safe operation ") + api +
        "() invoked on an event loop other than the current one (use call_soon_threadsafe or "
        "run_coroutine_threadsafe from other threads)");
}

callback_handle event_loop::call_soon(std::function<void()> fn) {
    check_open();
    check_thread("call_soon");
    auto* cb = new detail::function_callback(std::move(fn));
    callback_handle h(cb);
    schedule(cb);
    return h;
}

callback_handle event_loop::call_at(clock::time_point when, std::function<void()> fn) {
    check_open();
    check_thread("call_at");
    auto* cb = new detail::function_callback(std::move(fn));
    callback_handle h(cb);
    cb->when = when;
    cb->owner = this;
    cb->fire = &detail::function_callback::fire_now;
    add_timer(cb);
    return h;
}

void event_loop::call_soon_threadsafe(std::function<void()> fn) {
    {
        std::lock_guard lock(threadsafe_mutex_);
        if (threadsafe_closed_.load(std::memory_order_relaxed))
            throw std::runtime_error("call_soon_threadsafe: event loop is closed");
        threadsafe_queue_.push_back(std::move(fn));
    }
    if (!threadsafe_pending_.exchange(true, std::memory_order_acq_rel)) reactor_->wake();
}

void event_loop::drain_threadsafe() {
    if (!threadsafe_pending_.load(std::memory_order_acquire)) return;
    std::vector<std::function<void()>> batch;
    {
        std::lock_guard lock(threadsafe_mutex_);
        threadsafe_pending_.store(false, std::memory_order_release);
        batch.swap(threadsafe_queue_);
    }
    if (!batch.empty()) threadsafe_recent_ = true;
    for (auto& fn : batch) schedule(new detail::function_callback(std::move(fn)));
}

// A loop that just served another thread is likely to be asked again within
// microseconds (run_coroutine_threadsafe in a loop, a producer thread): for a
// moment it watches the cross-thread flag instead of sleeping, which saves
// the other thread the wake-up of a sleeping loop. One quiet spell ends it.
bool event_loop::await_threadsafe_briefly() noexcept {
    constexpr auto spin_for = std::chrono::microseconds(20);
    const auto until = std::chrono::steady_clock::now() + spin_for;
    do {
        for (int i = 0; i < 32; ++i) {
            if (threadsafe_pending_.load(std::memory_order_relaxed)) return true;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
    } while (std::chrono::steady_clock::now() < until);
    threadsafe_recent_ = false;
    return false;
}

void event_loop::expire_timers() noexcept {
    if (timers_.empty()) return;
    if (!virtual_time_) now_ = steady_now();
    while (!timers_.empty() && timers_.top()->when <= now_) {
        detail::timer_node* t = timers_.pop();
        t->fire(t);
    }
}

// The reactor is asked every iteration, as asyncio does, except when
// callbacks are ready and no user file descriptor is watched: then only
// corio's own service fds (signals) could report, so they are polled every
// service_poll_interval-th iteration, and a pure ping-pong between tasks
// does not pay a system call per hop. Cross-thread calls arrive through
// drain_threadsafe either way.
constexpr unsigned service_poll_interval = 16;

void event_loop::run_once() {
    const bool busy = !ready_.empty() || stopping_;
    const bool user_io = reactor_->watched() > static_cast<std::size_t>(service_fds_);
    if (!busy || user_io || ++busy_iterations_ >= service_poll_interval) {
        busy_iterations_ = 0;
        std::optional<std::chrono::nanoseconds> timeout;
        if (busy) {
            timeout = std::chrono::nanoseconds::zero();
        } else if (!timers_.empty()) {
            if (!virtual_time_)
                timeout = std::max(timers_.top()->when - steady_now(), clock::duration::zero());
            else if (external_work_ == 0)
                timeout = std::chrono::nanoseconds::zero();
            // else: virtual time stands still until the external work comes
            // back through call_soon_threadsafe, which wakes the reactor:
            // block rather than spin.
        }
        const bool may_block = !timeout || *timeout > std::chrono::microseconds(50);
        if (!busy && may_block && threadsafe_recent_ && !virtual_time_ && await_threadsafe_briefly())
            timeout = std::chrono::nanoseconds::zero();
        reactor_->poll(timeout);
    }
    drain_threadsafe();

    // Virtual time jumps only when nothing else could make progress now.
    if (virtual_time_ && ready_.empty() && external_work_ == 0 && !timers_.empty())
        now_ = std::max(now_, timers_.top()->when);
    expire_timers();
    run_ready(ready_.size());
    // When the next iteration could only run what is ready now (no timer,
    // no user fd, no cross-thread call, no stop, service fds not due), it is
    // run here at once: the same callbacks in the same order, without the
    // bookkeeping of an iteration.
    while (!ready_.empty() && !stopping_ && timers_.empty() && busy_iterations_ + 1 < service_poll_interval &&
           !threadsafe_pending_.load(std::memory_order_relaxed) &&
           reactor_->watched() <= static_cast<std::size_t>(service_fds_)) {
        ++busy_iterations_;
        run_ready(ready_.size());
    }
}

// One ready entry: a task resumed where it parked, or a callback.
[[gnu::always_inline]] inline void event_loop::run_entry(detail::ready_entry e) {
    if (e.is_task()) {
        detail::task_base* t = e.task();
        detail::current.task = t;
        if (t->cancelled_before_start()) [[unlikely]]
            t->cancel_before_start();
        else
            detail::resume_chain(t->resume_point());
        detail::current.task = nullptr;
    } else {
        run_callback(e.callback());
    }
}

[[gnu::always_inline]] inline void event_loop::run_ready(std::size_t n) {
    if (debug_) return run_ready_timed(n);
    for (; n > 0; --n) run_entry(ready_.pop());
}

void event_loop::run_callback(detail::callback_node* cb) {
    try {
        cb->run();
    } catch (...) {
        call_exception_handler({"Exception in callback", std::current_exception(), {}});
    }
    // A hand-written awaitable may resume its coroutine from a callback;
    // if that finishes an awaited coro, its caller goes on from here.
    detail::resume_waiting_callers();
    cb->release();
}

// Debug mode: the same, reporting slow steps.
void event_loop::run_ready_timed(std::size_t n) {
    for (; n > 0; --n) {
        const detail::ready_entry e = ready_.pop();
        const auto start = steady_now();
        run_entry(e);
        const auto took = steady_now() - start;
        if (took >= slow_callback_) {
            const char* what = e.is_task() ? "Task step" : "Callback";
            log(std::string("Executing ") + what + " took " + std::to_string(to_seconds(took)) + " seconds");
        }
    }
}

void event_loop::run_forever() {
    check_open();
    if (running_) throw std::runtime_error("this event loop is already running");
    if (detail::current.loop)
        throw std::runtime_error("cannot run an event loop while another loop is running");
    running_ = true;
    detail::current = {this, nullptr};
    owner_thread_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    struct restore {
        event_loop* self;
        ~restore() {
            self->owner_thread_.store(std::thread::id{}, std::memory_order_relaxed);
            detail::current = {};
            self->running_ = false;
            self->stopping_ = false;
        }
    } guard{this};
    // A stop() made before run_forever() still runs one iteration, as in asyncio.
    do run_once();
    while (!stopping_);
}

void event_loop::run_until_done(detail::future_base& f) {
    check_open();
    struct stopper final : detail::completion_node {
        event_loop* loop;
        void on_done(detail::future_base&) override { detail::stop_soon(loop); }
    } stop_when_done;
    stop_when_done.loop = this;
    if (!f.done()) {
        f.add_completion(&stop_when_done);
        run_forever();
        if (!f.done()) throw std::runtime_error("event loop stopped before the future completed");
    }
}

void event_loop::cancel_all_tasks() {
    std::vector<task_handle> pending;
    for (auto* t = live_tasks_; t; t = t->next_live) pending.emplace_back(t);
    if (pending.empty()) return;
    for (auto& t : pending) t.cancel();
    // Let them run their cleanup, as asyncio.run's _cancel_all_tasks does.
    while (std::any_of(pending.begin(), pending.end(), [](const task_handle& t) { return !t.done(); })) {
        struct wait_all final : detail::completion_node {
            event_loop* loop;
            void on_done(detail::future_base&) override { detail::stop_soon(loop); }
        };
        wait_all w;
        w.loop = this;
        for (auto& t : pending)
            if (!t.done()) {
                t.state()->add_completion(&w);
                break;
            }
        run_forever();
    }
    for (auto& t : pending) {
        if (t.cancelled()) continue;
        if (auto e = t.exception())
            call_exception_handler({"unhandled exception during corio.run() shutdown", e, t});
    }
}

void event_loop::clear_pending() noexcept {
    while (!ready_.empty()) {
        detail::ready_entry e = ready_.pop();
        if (!e.is_task()) e.callback()->release();
    }
    while (!timers_.empty()) {
        detail::timer_node* t = timers_.pop();
        if (t->fire == &detail::function_callback::fire_now)
            static_cast<detail::function_callback*>(t)->release();
    }
}

void event_loop::close() {
    if (running_) throw std::runtime_error("cannot close a running event loop");
    if (closed_) return;
    for (auto& hook : close_hooks_) hook();
    close_hooks_.clear();
    std::vector<std::function<void()>> dropped;
    {
        std::lock_guard lock(threadsafe_mutex_);
        threadsafe_closed_ = true;
        dropped.swap(threadsafe_queue_);
    }
    dropped.clear();  // outside the lock: a dropped callback may post here again (and be refused)
    closed_ = true;
    // Tasks still pending are abandoned: free their frames (asyncio leaves
    // them to the garbage collector with "Task was destroyed but it is pending!").
    while (live_tasks_) {
        detail::task_base* t = live_tasks_;
        log("Task was destroyed but it is pending! (task " + t->name() + ")");
        unlink_task(t);
        t->abandon();
        t->release();  // the list's reference
    }
    clear_pending();
    fd_callbacks_->readers.clear();
    fd_callbacks_->writers.clear();
    extensions_.clear();
}

void event_loop::call_exception_handler(const exception_context& ctx) noexcept {
    try {
        if (handler_)
            handler_(*this, ctx);
        else
            default_exception_handler(ctx);
    } catch (...) {
        log("Unhandled error in exception handler");
    }
}

void event_loop::default_exception_handler(const exception_context& ctx) noexcept {
    try {
        std::string msg = ctx.message;
        if (ctx.exception) {
            try {
                std::rethrow_exception(ctx.exception);
            } catch (const std::exception& e) {
                msg += ": ";
                msg += e.what();
            } catch (const cancelled_error&) {
                msg += ": cancelled";
            } catch (...) {
                msg += ": (non-standard exception)";
            }
        }
        log(msg);
    } catch (...) {
    }
}

event_loop& get_running_loop() { return detail::running_scheduler().loop(); }

clock::time_point clock::now() noexcept {
    return detail::current.loop ? detail::current.loop->loop_time() : detail::scheduler::steady_now();
}

namespace detail {

void run_main(event_loop& loop, future_base& main) {
    struct finally {
        event_loop& loop;
        ~finally() {
            try {
                loop.cancel_all_tasks();
            } catch (...) {
            }
            loop.close();
        }
    } cleanup{loop};
    sigint_guard interrupt(loop, static_cast<task_base&>(main));  // run() passes its task
    struct stopper final : completion_node {
        event_loop* loop;
        void on_done(future_base&) override { stop_soon(loop); }
    } stop_when_done;
    stop_when_done.loop = &loop;
    if (!main.done()) {
        main.add_completion(&stop_when_done);
        loop.run_forever();
        // loop.stop() from inside: asyncio.run's "Event loop stopped before Future completed."
        if (!main.done()) throw std::runtime_error("event loop stopped before the main task completed");
    }
    interrupt.finish();
}

}  // namespace detail
}  // namespace corio
