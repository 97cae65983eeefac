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
#include <exception>
#include "corio/detail/source_location.hpp"
#include <utility>

#include "corio/detail/frame_allocator.hpp"
#include "corio/detail/result_slot.hpp"
#include "corio/detail/task_state.hpp"
#include "corio/errors.hpp"

namespace corio {

template <class T = void>
class coro;

namespace detail {

void report_never_awaited(source_location where) noexcept;

class promise_base : public pooled {
public:
    explicit promise_base(source_location where) noexcept : where_(where) {}

    // Runs inside the coroutine's implicit try block, so the throw for a task
    // cancelled before it started lands in unhandled_exception().
    struct initial_awaiter {
        promise_base* p;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<>) const noexcept {}
        void await_resume() const {
            if (p->owner_ && p->owner_->take_cancel_request()) throw_cancelled(p->owner_);
        }
    };

    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        template <class P>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) const noexcept {
            promise_base& p = h.promise();
            if (p.owner_) {
                p.owner_->root_done();  // destroys this frame
                return std::noop_coroutine();
            }
            return p.continuation_;
        }
        void await_resume() const noexcept {}
    };

    initial_awaiter initial_suspend() noexcept { return {this}; }
    final_awaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { error_ = std::current_exception(); }

    void rethrow_if_failed() const {
        if (error_) std::rethrow_exception(error_);
    }
    std::exception_ptr error() const noexcept { return error_; }
    source_location where() const noexcept { return where_; }

    std::coroutine_handle<> continuation_ = std::noop_coroutine();
    task_base* owner_ = nullptr;  // set when this frame is the root of a task
    bool started_ = false;

private:
    std::exception_ptr error_;
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
    result_slot<void> slot_;
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
        bool await_ready() const {
            // started_ also catches a second await while the first is still running.
            if (!self.h_ || self.h_.promise().started_)
                throw invalid_state_error("coroutine already awaited (a coro can be awaited once)");
            return false;
        }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
            self.h_.promise().continuation_ = caller;
            self.h_.promise().started_ = true;
            return self.h_;
        }
        T await_resume() { return self.take(); }
    };
    awaiter operator co_await() & noexcept { return {*this}; }
    awaiter operator co_await() && noexcept { return {*this}; }

    // Hands the frame over (to a task). The coro becomes empty.
    handle_type release() noexcept {
        if (h_) h_.promise().started_ = true;
        return std::exchange(h_, {});
    }

private:
    // Moves the outcome out and frees the frame at once, so a finished
    // coroutine's locals do not outlive the await.
    T take() {
        handle_type h = std::exchange(h_, {});
        struct destroy_on_exit {
            handle_type h;
            ~destroy_on_exit() { h.destroy(); }
        } guard{h};
        h.promise().rethrow_if_failed();
        if constexpr (!std::is_void_v<T>) {
            if constexpr (std::is_reference_v<T>)
                return h.promise().slot_.get();
            else
                return std::move(h.promise().slot_.get());
        }
    }

    void reset() noexcept {
        if (!h_) return;
        if (!h_.promise().started_) detail::report_never_awaited(h_.promise().where());
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
