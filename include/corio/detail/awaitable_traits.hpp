// Turning "anything awaitable" (coro, task, future) into the shared state the
// combinators watch. Coroutines are wrapped into tasks on the running loop,
// as asyncio's ensure_future does.
#pragma once

#include <ranges>
#include <type_traits>

#include "corio/coro.hpp"
#include "corio/future.hpp"
#include "corio/task.hpp"

namespace corio::detail {

template <class A>
struct awaitable_traits;

template <class T>
struct awaitable_traits<coro<T>> {
    using value_type = T;
    using handle_type = task<T>;
    static task<T> ensure(coro<T>&& c) { return create_task(std::move(c)); }
};
template <class T>
struct awaitable_traits<task<T>> {
    using value_type = T;
    using handle_type = task<T>;
    static task<T> ensure(const task<T>& t) { return t; }
};
template <class T>
struct awaitable_traits<future<T>> {
    using value_type = T;
    using handle_type = future<T>;
    static future<T> ensure(const future<T>& f) { return f; }
};

template <class A>
using traits_of = awaitable_traits<std::remove_cvref_t<A>>;
template <class A>
using value_of = typename traits_of<A>::value_type;
template <class A>
using handle_of = typename traits_of<A>::handle_type;

template <class A>
handle_of<A> ensure_handle(A&& a) {
    return traits_of<A>::ensure(std::forward<A>(a));
}

template <class A>
concept awaitable_handle = requires { typename traits_of<A>::value_type; };

template <class R>
concept gatherable_range =
    std::ranges::input_range<R> && awaitable_handle<std::ranges::range_value_t<std::remove_cvref_t<R>>>;

}  // namespace corio::detail
