// corio/shield.hpp: shield (asyncio.shield).
//
// shield(aw) returns a future that mirrors `aw` (a coroutine is wrapped into
// a task first). Cancellation: cancelling the shield's future (or the task
// awaiting it) cancels only that future; the inner task keeps running.
#pragma once

#include <cstdint>

#include "corio/detail/awaitable_traits.hpp"

namespace corio {

template <class A>
requires detail::awaitable_handle<A> future<detail::value_of<A>> shield(A&& aw) {
    using T = detail::value_of<A>;
    auto inner = detail::ensure_handle(std::forward<A>(aw));
    future<T> outer;
    const std::uint64_t mirror = inner.add_done_callback([outer](const detail::handle_of<A>& done) {
        if (outer.done()) {
            if (!done.cancelled()) done.exception();  // retrieved: nobody else may look
            return;
        }
        if (done.cancelled()) {
            outer.cancel();
        } else if (auto e = done.exception()) {
            outer.set_exception(e);
        } else if constexpr (std::is_void_v<T>) {
            outer.set_result();
        } else {
            outer.set_result(done.result());
        }
    });
    // Once the outer future is done (cancelled), the inner one no longer
    // reports to it (asyncio 3.12's _outer_done_callback): its failure, if
    // nobody else retrieves it, is reported as never retrieved.
    outer.add_done_callback([inner, mirror]() mutable {
        if (!inner.done()) inner.remove_done_callback(mirror);
    });
    return outer;
}

}  // namespace corio
