// corio/threads/to_thread.hpp: co_await to_thread(fn, args...) (asyncio.to_thread).
//
// Runs fn(args...) on the running loop's default executor and gives back its
// result or exception. Like asyncio.to_thread it is a coroutine: nothing is
// submitted until it is awaited (or wrapped in a task, e.g. by gather).
// Arguments are copied into the coroutine (std::ref passes a reference).
// Cancellation: the awaiting task gets cancelled_error at once; the function
// is not killed (its result is dropped), a job not yet started never runs,
// and a function whose first parameter is std::stop_token sees a stop request.
#pragma once

#include <type_traits>
#include <utility>

#include "corio/coro.hpp"
#include "corio/loop.hpp"
#include "corio/threads/executor.hpp"

namespace corio {

template <class F, class... Args>
    requires detail::executor_callable<F, Args...>
coro<detail::executor_result_t<F, Args...>> to_thread(F fn, Args... args) {
    co_return co_await get_running_loop().run_in_executor(nullptr, std::move(fn), std::move(args)...);
}

}  // namespace corio
