// task_group: join() waits for every child; the first failure cancels the
// rest; failures come out as an exception_group. Ported CPython tests
// (Lib/test/test_asyncio/test_taskgroups.py) are named in a comment; corio's
// group is joined explicitly instead of by `async with`.
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core_fixtures.hpp"

using namespace std::chrono_literals;
using corio_test::counted;
using corio_test::virtual_time;

namespace {

corio::coro<int> after(std::chrono::milliseconds d, int v) {
    co_await corio::sleep(d);
    co_return v;
}
corio::coro<void> crash_after(std::chrono::milliseconds d) {
    co_await corio::sleep(d);
    throw std::domain_error("crash after " + std::to_string(d.count()) + "ms");
}

template <class E>
int count_of(const corio::exception_group& g) {
    int n = 0;
    for (const auto& e : g.exceptions()) {
        try {
            std::rethrow_exception(e);
        } catch (const E&) {
            ++n;
        } catch (...) {
        }
    }
    return n;
}

// test_taskgroup_01
TEST(task_group, results_of_children) {
    auto main = []() -> corio::coro<void> {
        corio::task_group g;
        auto t1 = g.create_task(after(100ms, 42));
        auto t2 = g.create_task(after(200ms, 11));
        co_await g.join();
        EXPECT_EQ(t1.result(), 42);
        EXPECT_EQ(t2.result(), 11);
    };
    corio::run(main(), virtual_time);
}

// test_taskgroup_02: a child added while the group runs is waited for too.
TEST(task_group, children_added_later) {
    auto main = []() -> corio::coro<void> {
        corio::task_group g;
        auto t1 = g.create_task(after(100ms, 42));
        co_await corio::sleep(150ms);
        auto t2 = g.create_task(after(200ms, 11));
        co_await g.join();
        EXPECT_EQ(t1.result(), 42);
        EXPECT_EQ(t2.result(), 11);
    };
    corio::run(main(), virtual_time);
}

// test_taskgroup_03: a child cancelled explicitly is not an error.
TEST(task_group, child_cancelled_explicitly) {
    auto main = []() -> corio::coro<void> {
        corio::task_group g;
        auto t1 = g.create_task(after(1s, 42));
        co_await corio::sleep(150ms);
        t1.cancel();
        auto t2 = g.create_task(after(200ms, 11));
        co_await g.join();
        EXPECT_TRUE(t1.cancelled());
        EXPECT_EQ(t2.result(), 11);
    };
    corio::run(main(), virtual_time);
}

// test_taskgroup_04, test_cancel_children_on_child_error
TEST(task_group, child_error_cancels_the_others) {
    auto main = []() -> corio::coro<void> {
        int num = 0;
        bool t2_cancelled = false;
        corio::task_group g;
        for (int i = 0; i < 3; ++i) g.create_task(crash_after(100ms));
        auto t2 = g.create_task([](int& n, bool& c) -> corio::coro<void> {
            try {
                co_await corio::sleep(5s);
            } catch (const corio::cancelled_error&) {
                c = true;
                throw;
            }
            n += 1;
        }(num, t2_cancelled));
        try {
            co_await g.join();
            ADD_FAILURE() << "join must throw";
        } catch (const corio::exception_group& eg) {
            EXPECT_EQ(eg.exceptions().size(), 3u);  // all failed at the same moment
            EXPECT_EQ(count_of<std::domain_error>(eg), 3);
        }
        EXPECT_EQ(num, 0);
        EXPECT_TRUE(t2_cancelled);
        EXPECT_TRUE(t2.cancelled());
    };
    corio::run(main(), virtual_time);
}

// test_cancellation: cancelling the task in join() cancels every child and keeps the message.
TEST(task_group, cancelling_the_joining_task) {
    auto main = []() -> corio::coro<void> {
        int num = 0;
        auto r = corio::create_task([](int& n) -> corio::coro<void> {
            corio::task_group g;
            for (int i = 0; i < 5; ++i)
                g.create_task([](int& k) -> corio::coro<void> {
                    try {
                        co_await corio::sleep(5s);
                    } catch (const corio::cancelled_error&) {
                        ++k;
                        throw;
                    }
                }(n));
            co_await g.join();
        }(num));
        co_await corio::sleep(100ms);
        EXPECT_FALSE(r.done());
        r.cancel("test");
        try {
            co_await r;
            ADD_FAILURE();
        } catch (const corio::cancelled_error& e) {
            EXPECT_EQ(e.message(), "test");
        }
        EXPECT_EQ(num, 5);
    };
    corio::run(main(), virtual_time);
}

// test_cancellation_in_body: children failing while the owner is being cancelled.
TEST(task_group, cancelled_before_failing_children_fail) {
    auto main = []() -> corio::coro<void> {
        auto r = corio::create_task([]() -> corio::coro<void> {
            corio::task_group g;
            for (int i = 0; i < 5; ++i) g.create_task(crash_after(100ms));
            co_await g.join();
        }());
        co_await corio::sleep(50ms);
        r.cancel();
        // The children are cancelled before they fail: the join ends cancelled.
        EXPECT_THROW(co_await r, corio::cancelled_error);
    };
    corio::run(main(), virtual_time);
}

// test_taskgroup_09/10: the owner fails before joining; the group's destructor cancels the children.
TEST(task_group, owner_failing_before_join_cancels_children) {
    auto main = []() -> corio::coro<void> {
        corio::task<int> t1, t2;
        auto runner = [](corio::task<int>& a, corio::task<int>& b) -> corio::coro<void> {
            corio::task_group g;
            a = g.create_task(after(1s, 42));
            b = g.create_task(after(2s, 11));
            co_await corio::sleep(100ms);
            throw std::domain_error("1 / 0");
        };
        EXPECT_THROW(co_await runner(t1, t2), std::domain_error);
        co_await corio::sleep(0s);
        EXPECT_TRUE(t1.cancelled());
        EXPECT_TRUE(t2.cancelled());
    };
    corio::run(main(), virtual_time);
}

// test_taskgroup_13/14: nested groups; the failure comes out of the group that owns it.
TEST(task_group, nested_groups) {
    auto main = []() -> corio::coro<void> {
        corio::task_group g1;
        g1.create_task(crash_after(100ms));
        auto inner_owner = g1.create_task([]() -> corio::coro<void> {
            corio::task_group g2;
            g2.create_task(crash_after(10s));
            co_await g2.join();
        }());
        try {
            co_await g1.join();
            ADD_FAILURE();
        } catch (const corio::exception_group& eg) {
            EXPECT_EQ(eg.exceptions().size(), 1u);
            EXPECT_EQ(count_of<std::domain_error>(eg), 1);
        }
        EXPECT_TRUE(inner_owner.cancelled());  // g2's join was cancelled, then it cancelled its child
    };
    corio::run(main(), virtual_time);
}

TEST(task_group, inner_group_failure_nests_in_the_outer_group) {
    auto main = []() -> corio::coro<void> {
        corio::task_group g1;
        g1.create_task(crash_after(10s));
        g1.create_task([]() -> corio::coro<void> {
            corio::task_group g2;
            g2.create_task(crash_after(100ms));
            co_await g2.join();
        }());
        try {
            co_await g1.join();
            ADD_FAILURE();
        } catch (const corio::exception_group& eg) {
            EXPECT_EQ(eg.exceptions().size(), 1u);
            EXPECT_EQ(count_of<corio::exception_group>(eg), 1);  // test_taskgroup_14
        }
    };
    corio::run(main(), virtual_time);
}

// test_taskgroup_22
TEST(task_group, cancel_the_owner_early) {
    auto main = []() -> corio::coro<void> {
        auto r = corio::create_task([]() -> corio::coro<void> {
            corio::task_group g;
            g.create_task(after(1s, 42));
            g.create_task(after(2s, 11));
            co_await g.join();
        }());
        co_await corio::sleep(50ms);
        r.cancel();
        EXPECT_THROW(co_await r, corio::cancelled_error);
    };
    corio::run(main(), virtual_time);
}

// test_taskgroup_23: finished children leave the group.
TEST(task_group, size_counts_unfinished_children) {
    auto main = []() -> corio::coro<void> {
        corio::task_group g;
        for (int count = 0; count < 10; ++count) {
            co_await corio::sleep(100ms);
            g.create_task([]() -> corio::coro<void> { co_await corio::sleep(300ms); }());
            if (count == 5) {
                EXPECT_LT(g.size(), 5u);
            }
        }
        co_await corio::sleep(1350ms);
        EXPECT_EQ(g.size(), 0u);
        co_await g.join();
    };
    corio::run(main(), virtual_time);
}

// test_taskgroup_24: children may add children.
TEST(task_group, children_add_children) {
    auto main = []() -> corio::coro<void> {
        corio::task_group g;
        int finished = 0;
        auto leaf = [](int& f, std::chrono::milliseconds d) -> corio::coro<void> {
            co_await corio::sleep(d);
            ++f;
        };
        g.create_task([](corio::task_group& grp, int& f, auto leaf_fn) -> corio::coro<void> {
            co_await corio::sleep(100ms);
            grp.create_task(leaf_fn(f, 100ms));
            grp.create_task(leaf_fn(f, 200ms));
        }(g, finished, leaf));
        co_await g.join();
        EXPECT_EQ(finished, 2);
    };
    corio::run(main(), virtual_time);
}

// test_taskgroup_25: a growing swarm of children is still cancelled by one failure.
TEST(task_group, hydra) {
    auto main = []() -> corio::coro<void> {
        int nhydras = 0;
        corio::task_group g;
        struct hydra {
            static corio::coro<void> run(corio::task_group& grp, int& n) {
                ++n;
                co_await corio::sleep(10ms);
                if (n > 1'000'000) co_return;  // never reached; keeps clang's -Winfinite-recursion quiet
                grp.create_task(run(grp, n));
                grp.create_task(run(grp, n));
            }
        };
        g.create_task(hydra::run(g, nhydras));
        g.create_task([](int& n) -> corio::coro<void> {
            while (n < 10) co_await corio::sleep(15ms);
            throw std::domain_error("hercules");
        }(nhydras));
        try {
            co_await g.join();
            ADD_FAILURE();
        } catch (const corio::exception_group& eg) {
            EXPECT_EQ(count_of<std::domain_error>(eg), 1);
        }
        EXPECT_GE(nhydras, 10);
    };
    corio::run(main(), virtual_time);
}

// test_taskgroup_task_name
TEST(task_group, task_name) {
    auto main = []() -> corio::coro<void> {
        corio::task_group g;
        auto t = g.create_task([]() -> corio::coro<void> { co_await corio::sleep(0s); }(), "yolo");
        EXPECT_EQ(t.get_name(), "yolo");
        co_await g.join();
    };
    corio::run(main());
}

TEST(task_group, empty_join_returns_at_once) {
    auto main = []() -> corio::coro<void> {
        const auto start = corio::get_running_loop().time();
        corio::task_group g;
        co_await g.join();
        EXPECT_EQ(corio::get_running_loop().time(), start);
    };
    corio::run(main(), virtual_time);
}

TEST(task_group, join_twice_and_create_after_join_are_errors) {
    auto main = []() -> corio::coro<void> {
        corio::task_group g;
        g.create_task(after(1ms, 1));
        co_await g.join();
        EXPECT_THROW(co_await g.join(), std::runtime_error);
        EXPECT_THROW(g.create_task(after(1ms, 1)), std::runtime_error);
    };
    corio::run(main(), virtual_time);
}

TEST(task_group, creating_while_shutting_down_is_an_error) {
    auto main = []() -> corio::coro<void> {
        corio::task_group g;
        g.create_task(crash_after(1ms));
        co_await corio::sleep(2ms);  // the failure started the shutdown
        EXPECT_THROW(g.create_task(after(1ms, 1)), std::runtime_error);
        EXPECT_THROW(co_await g.join(), corio::exception_group);
    };
    corio::run(main(), virtual_time);
}

TEST(task_group, destroyed_with_pending_children_cancels_them) {
    auto main = []() -> corio::coro<void> {
        corio::task<int> t;
        {
            corio::task_group g;
            t = g.create_task(after(1h, 1));
        }
        co_await corio::sleep(0s);
        EXPECT_TRUE(t.cancelled());
    };
    corio::run(main(), virtual_time);
}

TEST(task_group, exception_group_message_lists_the_failures) {
    corio::exception_group g("boom", {std::make_exception_ptr(std::runtime_error("first")),
                                      std::make_exception_ptr(std::logic_error("second"))});
    const std::string what = g.what();
    EXPECT_NE(what.find("boom"), std::string::npos);
    EXPECT_NE(what.find("2 sub-exceptions"), std::string::npos);
    EXPECT_NE(what.find("first"), std::string::npos);
    EXPECT_NE(what.find("second"), std::string::npos);
    EXPECT_EQ(g.exceptions().size(), 2u);
    static_assert(std::is_base_of_v<std::exception, corio::exception_group>);
}

TEST(task_group, cancelled_children_are_not_failures_and_no_result_leaks) {
    counted::reset();
    auto main = []() -> corio::coro<void> {
        corio::task_group g;
        for (int i = 0; i < 10; ++i)
            g.create_task([](int k) -> corio::coro<counted> {
                co_await corio::sleep(std::chrono::milliseconds(k));
                co_return counted(k);
            }(i));
        auto victim = g.create_task(after(1h, 0));
        co_await corio::sleep(0s);
        victim.cancel();
        co_await g.join();  // no exception_group: a cancelled child is not a failure
    };
    corio::run(main(), virtual_time);
    EXPECT_EQ(counted::alive(), 0);
}

}  // namespace
