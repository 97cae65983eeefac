// corio/coro.hpp: coro<T>, the coroutine type (asyncio's `async def`).
//
// A coro is lazy: calling the function runs nothing until the coro is
// awaited or turned into a task. It is move-only and awaitable once; awaiting
// it again throws invalid_state_error. Awaiting a coro runs it inside the
// awaiting task (no scheduling), and control passes by symmetric transfer, so
// arbitrarily deep or long chains of awaits use constant stack.
// Cancellation: a coro is cancelled through the task that runs it.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <utility>
#include "corio/detail/source_location.hpp"

#include "corio/detail/frame_allocator.hpp"
#include "corio/detail/result_slot.hpp"
#include "corio/detail/task_state.hpp"
#include "corio/errors.hpp"

namespace corio {

template <class T = void>
class coro;

namespace detail {

void report_never_awaited(source_location where) noexcept;

// The exception a coroutine just let escape, on its way to whoever resumes
// next: the awaiting coroutine (by symmetric transfer, at once) or the task
// whose root it is (root_done, at once). Nothing runs in between, so one
// slot per thread does, and frames carry a flag bit instead of an
// exception_ptr.
inline thread_local std::exception_ptr escaping_exception;

class promise_base : public pooled {
public:
    explicit promise_base(source_location where) noexcept : where_(where) {}

    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        template <class P>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) const noexcept {
            const std::uintptr_t link = h.promise().link_;
            if (link & owner_tag) {
                reinterpret_cast<task_base*>(link & ~tag_mask)->root_done();  // destroys this frame
                return std::noop_coroutine();
            }
            if (void* caller = reinterpret_cast<void*>(link & ~tag_mask))
                return std::coroutine_handle<>::from_address(caller);
            return std::noop_coroutine();
        }
        void await_resume() const noexcept {}
    };

    // Lazy. A task cancelled before its first step never enters its
    // coroutine (task_base::cancel_before_start), so starting checks nothing.
    std::suspend_always initial_suspend() noexcept { return {}; }
    final_awaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept {
        escaping_exception = std::current_exception();
        link_ |= failed_tag;
    }

    // The coroutine ended with an exception, not yet taken.
    bool failed() const noexcept { return link_ & failed_tag; }
    std::exception_ptr take_failure() noexcept {
        link_ &= ~failed_tag;
        return std::exchange(escaping_exception, nullptr);
    }
    source_location where() const noexcept { return where_; }

    // Awaited (or handed to a task): a second await is an error.
    bool started() const noexcept { return link_ & started_tag; }
    void mark_started() noexcept { link_ |= started_tag; }
    void start_awaited_by(std::coroutine_handle<> caller) noexcept {
        link_ = reinterpret_cast<std::uintptr_t>(caller.address()) | started_tag;
    }
    // This frame is the root of task t.
    void set_owner(task_base* t) noexcept {
        link_ = reinterpret_cast<std::uintptr_t>(t) | owner_tag | started_tag;
    }
    task_base* owner() const noexcept {
        return link_ & owner_tag ? reinterpret_cast<task_base*>(link_ & ~tag_mask) : nullptr;
    }

private:
    // Who runs next when this coroutine finishes (the coroutine awaiting it,
    // or the task whose root it is: they never coexist), whether it has
    // started and whether it failed, in one word. Frames and tasks are at
    // least 8-byte aligned.
    static constexpr std::uintptr_t owner_tag = 1;
    static constexpr std::uintptr_t started_tag = 2;
    static constexpr std::uintptr_t failed_tag = 4;
    static constexpr std::uintptr_t tag_mask = 7;
    std::uintptr_t link_ = 0;
    source_location where_;
};

template <class T>
class coro_promise : public promise_base {
public:
    coro_promise(source_location where = CORIO_CURRENT_LOCATION()) noexcept : promise_base(where) {}
    coro<T> get_return_object() noexcept;
    template <class U = T>
    void return_value(U&& v) {
        slot_.set(std::forward<U>(v));
    }
    result_slot<T> slot_;
};

template <class T>
class coro_promise<T&> : public promise_base {
public:
    coro_promise(source_location where = CORIO_CURRENT_LOCATION()) noexcept : promise_base(where) {}
    coro<T&> get_return_object() noexcept;
    void return_value(T& v) noexcept { slot_.set(v); }
    result_slot<T&> slot_;
};

template <>
class coro_promise<void> : public promise_base {
public:
    coro_promise(source_location where = CORIO_CURRENT_LOCATION()) noexcept : promise_base(where) {}
    coro<void> get_return_object() noexcept;
    void return_void() noexcept {}
    [[no_unique_address]] result_slot<void> slot_;
};

}  // namespace detail

template <class T>
class [[nodiscard]] coro {
public:
    using promise_type = detail::coro_promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;
    using value_type = T;

    coro() noexcept = default;
    explicit coro(handle_type h) noexcept : h_(h) {}
    coro(coro&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    coro& operator=(coro&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    ~coro() { reset(); }

    // True until the coro has been awaited or handed to a task.
    bool valid() const noexcept { return static_cast<bool>(h_); }

    struct awaiter {
        coro& self;
        [[gnu::always_inline]] bool await_ready() const {
            // started() also catches a second await while the first is still running.
            if (!self.h_ || self.h_.promise().started())
                throw invalid_state_error("coroutine already awaited (a coro can be awaited once)");
            return false;
        }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
            self.h_.promise().start_awaited_by(caller);
            return self.h_;
        }
        T await_resume() { return self.take(); }
    };
    awaiter operator co_await() & noexcept { return {*this}; }
    awaiter operator co_await() && noexcept { return {*this}; }

    // Hands the frame over (to a task). The coro becomes empty.
    handle_type release() noexcept {
        if (h_) h_.promise().mark_started();
        return std::exchange(h_, {});
    }

private:
    // Moves the outcome out and frees the frame at once, so a finished
    // coroutine's locals do not outlive the await.
    T take() {
        handle_type h = std::exchange(h_, {});
        if (h.promise().failed()) [[unlikely]]
            rethrow_failure(h);
        struct destroy_on_exit {
            handle_type h;
            ~destroy_on_exit() { h.destroy(); }
        } guard{h};
        if constexpr (!std::is_void_v<T>) {
            if constexpr (std::is_reference_v<T>)
                return h.promise().slot_.get();
            else
                return std::move(h.promise().slot_.get());
        }
    }

    // The exception is taken before the frame goes (its parameters'
    // destructors may run code, even other coroutines).
    [[noreturn, gnu::noinline]] static void rethrow_failure(handle_type h) {
        std::exception_ptr e = h.promise().take_failure();
        h.destroy();
        std::rethrow_exception(std::move(e));
    }

    // Inline, so that the usual case (awaited and already freed) costs one test.
    [[gnu::always_inline]] void reset() noexcept {
        if (h_) destroy_frame();
    }
    [[gnu::noinline]] void destroy_frame() noexcept {
        if (!h_.promise().started()) detail::report_never_awaited(h_.promise().where());
        std::exchange(h_, {}).destroy();
    }

    handle_type h_;
};

namespace detail {
template <class T>
coro<T> coro_promise<T>::get_return_object() noexcept {
    return coro<T>(std::coroutine_handle<coro_promise<T>>::from_promise(*this));
}
template <class T>
coro<T&> coro_promise<T&>::get_return_object() noexcept {
    return coro<T&>(std::coroutine_handle<coro_promise<T&>>::from_promise(*this));
}
inline coro<void> coro_promise<void>::get_return_object() noexcept {
    return coro<void>(std::coroutine_handle<coro_promise<void>>::from_promise(*this));
}
}  // namespace detail

}  // namespace corio
