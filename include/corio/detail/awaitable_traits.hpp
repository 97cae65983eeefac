// Turning "anything awaitable" into the shared state the combinators watch.
// Coroutines are wrapped into tasks on the running loop, as asyncio's
// ensure_future does; so is any other awaitable (lock.acquire(), q.get(),
// event.wait(), ...), through a small coroutine that awaits it, which makes
// `gather(q.get(), ev.wait())` and `wait_for(ev.wait(), 1s)` work as in Python.
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

// The awaiter `co_await a` uses, for any awaitable a.
template <class A>
decltype(auto) get_awaiter(A&& a) {
    if constexpr (requires { std::forward<A>(a).operator co_await(); })
        return std::forward<A>(a).operator co_await();
    else if constexpr (requires { operator co_await(std::forward<A>(a)); })
        return operator co_await(std::forward<A>(a));
    else
        return std::forward<A>(a);
}

template <class A>
concept plain_awaitable = requires(A&& a) {
    get_awaiter(std::forward<A>(a)).await_ready();
    get_awaiter(std::forward<A>(a)).await_resume();
};

template <class A>
using await_result_t = decltype(get_awaiter(std::declval<A>()).await_resume());

template <class A>
coro<std::remove_cvref_t<await_result_t<A>>> await_in_task(A a) {
    co_return co_await std::move(a);
}

template <class A>
requires plain_awaitable<A>
struct awaitable_traits<A> {
    using value_type = std::remove_cvref_t<await_result_t<A>>;
    using handle_type = task<value_type>;
    static task<value_type> ensure(A&& a) { return create_task(await_in_task<A>(std::move(a))); }
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
concept awaitable_handle = requires {
    typename traits_of<A>::value_type;
};

template <class R>
concept gatherable_range =
    std::ranges::input_range<R> && awaitable_handle<std::ranges::range_value_t<std::remove_cvref_t<R>>>;

}  // namespace corio::detail
