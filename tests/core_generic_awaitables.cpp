// gather / wait_for / wait / shield accept any awaitable, not only coro, task and future.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

namespace {
using namespace std::chrono_literals;
TEST(generic_awaitables, gather_and_wait_for_accept_any_awaitable) {
    auto main = []() -> corio::coro<void> {
        corio::event ev;
        corio::queue<int> q;
        auto setter = corio::create_task([](corio::event& e, corio::queue<int>& q) -> corio::coro<void> {
            co_await corio::sleep(10ms);
            co_await q.put(5);
            e.set();
        }(ev, q));
        auto [got, waited] = co_await corio::gather(q.get(), ev.wait());
        EXPECT_EQ(got, 5);
        (void)waited;
        corio::event never;
        EXPECT_THROW(co_await corio::wait_for(never.wait(), 1s), corio::timeout_error);
        co_await setter;
    };
    corio::run(main(), {.clock = corio::virtual_clock()});
}
}  // namespace
