// corio/coro.hpp: coro<T>, the coroutine type (asyncio's `async def`).
//
// A coro is lazy: calling the function runs nothing until the coro is
// awaited or turned into a task. It is move-only and awaitable once; awaiting
// it again throws invalid_state_error. Awaiting a coro runs it inside the
// awaiting task (no scheduling): control passes to it by symmetric transfer,
// and when it finishes it frees its own frame and returns to the loop, which
// resumes the awaiting coroutine at once. So arbitrarily deep or long chains
// of awaits use constant stack.
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
// next: the awaiting coroutine (the loop resumes it at once) or the task
// whose root it is (root_done, at once). Nothing runs in between, so one
// slot per thread does, and frames carry a flag bit instead of an
// exception_ptr.
inline thread_local std::exception_ptr escaping_exception;
inline std::exception_ptr take_escaping_exception() noexcept {
    current.exception_escaping = false;
    return std::exchange(escaping_exception, nullptr);
}

// Resumes a task's coroutine, then each awaiting coroutine that a finished
// one hands back. A finished coroutine cannot resume its awaiter itself
// without first freeing its own frame (which needs the actor function to
// return) or growing the stack; returning here costs one predictable call
// per level and saves the separate destroy() of every awaited frame.
[[gnu::always_inline]] inline void resume_waiting_callers() {
    while (void* next = current.resume_next) {
        current.resume_next = nullptr;
        std::coroutine_handle<>::from_address(next).resume();
    }
}
[[gnu::always_inline]] inline void resume_chain(std::coroutine_handle<> h) {
    h.resume();
    resume_waiting_callers();
}

class promise_base : public pooled {
public:
    explicit promise_base(source_location where) noexcept : where_(where) {}

    // At its end a coroutine tells whoever waits (its task, or the
    // coroutine awaiting it, whose result it has already written) and does
    // not suspend: the frame is freed right there, in the same call. A
    // coroutine started by hand (release()) has nobody to tell and stays
    // suspended at its end for its holder to inspect and destroy.
    struct final_awaiter {
        promise_base* self;
        [[gnu::always_inline]] bool await_ready() const noexcept {
            const std::uintptr_t link = self->link_;
            if (link & owner_tag) {
                reinterpret_cast<task_base*>(link & ~tag_mask)->root_done();
                return true;
            }
            if (void* caller = reinterpret_cast<void*>(link & ~tag_mask)) {
                current.resume_next = caller;
                return true;
            }
            // Started by hand: a failure waits for take_failure(), and no
            // awaiter must mistake it for its own.
            current.exception_escaping = false;
            return false;
        }
        void await_suspend(std::coroutine_handle<>) const noexcept {}
        void await_resume() const noexcept {}
    };

    // Lazy. A task cancelled before its first step never enters its
    // coroutine (task_base::cancel_before_start), so starting checks nothing.
    std::suspend_always initial_suspend() noexcept { return {}; }
    final_awaiter final_suspend() noexcept { return {this}; }
    void unhandled_exception() noexcept {
        escaping_exception = std::current_exception();
        current.exception_escaping = true;
        link_ |= failed_tag;
    }

    // The coroutine ended with an exception, not yet taken.
    bool failed() const noexcept { return link_ & failed_tag; }
    std::exception_ptr take_failure() noexcept {
        link_ &= ~failed_tag;
        return take_escaping_exception();
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

// The result goes straight to where it is wanted: the awaiting coroutine's
// awaiter, or the task's own slot. A coroutine started by hand has no
// destination, and its result is dropped.
template <class T>
class coro_promise : public promise_base {
public:
    coro_promise(source_location where = CORIO_CURRENT_LOCATION()) noexcept : promise_base(where) {}
    coro<T> get_return_object() noexcept;
    template <class U = T>
    void return_value(U&& v) {
        if (dest_) [[likely]]
            dest_->set(std::forward<U>(v));
    }
    result_slot<T>* dest_ = nullptr;
};

template <class T>
class coro_promise<T&> : public promise_base {
public:
    coro_promise(source_location where = CORIO_CURRENT_LOCATION()) noexcept : promise_base(where) {}
    coro<T&> get_return_object() noexcept;
    void return_value(T& v) noexcept {
        if (dest_) [[likely]]
            dest_->set(v);
    }
    result_slot<T&>* dest_ = nullptr;
};

template <>
class coro_promise<void> : public promise_base {
public:
    coro_promise(source_location where = CORIO_CURRENT_LOCATION()) noexcept : promise_base(where) {}
    coro<void> get_return_object() noexcept;
    void return_void() noexcept {}
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
        explicit awaiter(coro& c) noexcept : self(c) {}
        coro& self;
        [[no_unique_address]] detail::result_slot<T> result;  // written by the coroutine's co_return
        [[gnu::always_inline]] bool await_ready() const {
            // started() also catches a second await while the first is still running.
            if (!self.h_ || self.h_.promise().started())
                throw invalid_state_error("coroutine already awaited (a coro can be awaited once)");
            return false;
        }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
            auto& p = self.h_.promise();
            p.start_awaited_by(caller);
            if constexpr (!std::is_void_v<T>) p.dest_ = &result;
            return self.h_;
        }
        // The coroutine has finished and freed its frame.
        T await_resume() {
            self.h_ = {};
            if (detail::current.exception_escaping) [[unlikely]]
                rethrow_failure();
            if constexpr (std::is_reference_v<T>)
                return result.get();
            else if constexpr (!std::is_void_v<T>)
                return std::move(result.get());
        }
    };
    awaiter operator co_await() & noexcept { return awaiter(*this); }
    awaiter operator co_await() && noexcept { return awaiter(*this); }

    // Hands the frame over (to a task). The coro becomes empty. A coroutine
    // resumed by hand, with no task, keeps no result.
    handle_type release() noexcept {
        if (h_) h_.promise().mark_started();
        return std::exchange(h_, {});
    }

private:
    [[noreturn, gnu::noinline]] static void rethrow_failure() {
        std::rethrow_exception(detail::take_escaping_exception());
    }

    // Inline, so that the usual case (awaited and already freed) costs one test.
    [[gnu::always_inline]] void reset() noexcept {
        if (h_) destroy_frame();
    }
    [[gnu::noinline]] void destroy_frame() noexcept {
        auto& p = h_.promise();
        if (!p.started()) detail::report_never_awaited(p.where());
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
