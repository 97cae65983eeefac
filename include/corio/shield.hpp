// corio/shield.hpp: shield (asyncio.shield).
//
// shield(aw) returns a future that mirrors `aw` (a coroutine is wrapped into
// a task first). Cancellation: cancelling the shield's future (or the task
// awaiting it) cancels only that future; the inner task keeps running.
#pragma once

#include "corio/detail/awaitable_traits.hpp"

namespace corio {

template <class A>
    requires detail::awaitable_handle<A>
future<detail::value_of<A>> shield(A&& aw) {
    using T = detail::value_of<A>;
    auto inner = detail::ensure_handle(std::forward<A>(aw));
    future<T> outer;
    inner.add_done_callback([outer](const detail::handle_of<A>& done) {
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
    return outer;
}

}  // namespace corio
