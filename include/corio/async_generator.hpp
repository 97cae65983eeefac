// corio/async_generator.hpp: async_generator<T> (an `async def` with `yield`).
//
//   corio::async_generator<int> ticks(int n) {
//       for (int i = 0; i < n; ++i) { co_await corio::sleep(10ms); co_yield i; }
//   }
//   auto gen = ticks(3);
//   while (auto v = co_await gen.next()) use(*v);  // std::optional<T>
//
// The generator runs inside the task that calls next(), so it may await
// anything. aclose() ends it early: the frame is destroyed at its current
// co_yield, running the destructors of its locals (the C++ equivalent of
// GeneratorExit reaching the finally blocks). Exceptions thrown by the body
// come out of next(). One next() at a time: a second one while the first is
// pending throws std::runtime_error (as does aclose()). Cancellation: a
// cancelled next() cancels the await the generator is blocked in; the
// generator is then finished.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "corio/coro.hpp"
#include "corio/detail/frame_allocator.hpp"

namespace corio {

template <class T>
class [[nodiscard]] async_generator {
public:
    class promise_type : public detail::pooled {
    public:
        async_generator get_return_object() noexcept {
            return async_generator(std::coroutine_handle<promise_type>::from_promise(*this));
        }
        std::suspend_always initial_suspend() const noexcept { return {}; }

        struct yield_awaiter {
            bool await_ready() const noexcept { return false; }
            std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) const noexcept {
                h.promise().running_ = false;
                return h.promise().consumer_;
            }
            void await_resume() const noexcept {}
        };
        yield_awaiter final_suspend() const noexcept { return {}; }
        template <class U = T>
        yield_awaiter yield_value(U&& v) {
            value_.emplace(std::forward<U>(v));
            return {};
        }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { error_ = std::current_exception(); }

    private:
        friend class async_generator;
        std::coroutine_handle<> consumer_;
        bool running_ = false;  // a next() is between resuming the body and its next yield
        std::optional<T> value_;
        std::exception_ptr error_;
    };

    async_generator(async_generator&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    async_generator& operator=(async_generator&& o) noexcept {
        if (this != &o) {
            destroy();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    ~async_generator() { destroy(); }

    struct next_awaiter {
        async_generator& gen;
        bool await_ready() const {
            gen.check_not_running("next");
            return !gen.h_ || gen.h_.done();
        }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> consumer) noexcept {
            gen.h_.promise().running_ = true;
            gen.h_.promise().consumer_ = consumer;
            gen.h_.promise().value_.reset();
            return gen.h_;
        }
        std::optional<T> await_resume() {
            if (!gen.h_) return std::nullopt;
            auto& p = gen.h_.promise();
            if (p.error_) {
                auto e = std::exchange(p.error_, nullptr);
                gen.destroy();
                std::rethrow_exception(e);
            }
            if (gen.h_.done() || !p.value_) return std::nullopt;
            return std::exchange(p.value_, std::nullopt);
        }
    };
    // The next value, or std::nullopt once the generator has finished.
    next_awaiter next() noexcept { return {*this}; }

    // Ends the generator early (asyncio's aclose()).
    coro<void> aclose() {
        check_not_running("aclose");
        destroy();
        co_return;
    }

private:
    // Another task is suspended inside the body: resuming or destroying it
    // now would corrupt it (asyncio raises RuntimeError here too).
    void check_not_running(const char* what) const {
        if (h_ && h_.promise().running_)
            throw std::runtime_error(std::string("async_generator::") + what +
                                     "(): the generator is already running (another next() is pending)");
    }
    explicit async_generator(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
    void destroy() noexcept {
        if (h_) std::exchange(h_, {}).destroy();
    }
    std::coroutine_handle<promise_type> h_;
};

}  // namespace corio
