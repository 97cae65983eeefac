// getaddrinfo: only names from /etc/hosts and numeric hosts, so that no test
// sends a query to a name server.
#include <gtest/gtest.h>
#include <netdb.h>

#include <algorithm>
#include <corio/corio.hpp>
#include <corio/io/dns.hpp>

using namespace std::chrono_literals;

// ASSERT_* returns, which a coroutine cannot: fail and leave with co_return.
#define CO_ASSERT_TRUE(cond)    \
    if (!(cond)) {              \
        ADD_FAILURE() << #cond; \
        co_return;              \
    }

corio::coro<void> nap(corio::clock::duration d) { co_await corio::sleep(d); }

TEST(dns, localhost) {
    corio::run([]() -> corio::coro<void> {
        auto addrs = co_await corio::getaddrinfo("localhost", 80);
        CO_ASSERT_TRUE(!addrs.empty());
        for (const auto& a : addrs) {
            EXPECT_EQ(a.port, 80);
            EXPECT_TRUE(a.host == "127.0.0.1" || a.host == "::1") << a.host;
            EXPECT_TRUE(a.family == AF_INET || a.family == AF_INET6);
        }
        // Default hints give one entry per socket type, as asyncio's do.
        EXPECT_TRUE(
            std::any_of(addrs.begin(), addrs.end(), [](auto& a) { return a.socktype == SOCK_STREAM; }));
        EXPECT_TRUE(
            std::any_of(addrs.begin(), addrs.end(), [](auto& a) { return a.socktype == SOCK_DGRAM; }));
    }());
}

TEST(dns, hints) {
    corio::run([]() -> corio::coro<void> {
        auto v4 = co_await corio::getaddrinfo("localhost", 443, {.family = AF_INET, .type = SOCK_STREAM});
        // A stock Debian /etc/hosts also lists "::1 localhost", which glibc
        // answers to an AF_INET query with a second 127.0.0.1.
        CO_ASSERT_TRUE(!v4.empty());
        for (const auto& a : v4) EXPECT_EQ(a.host, "127.0.0.1");
        EXPECT_EQ(v4[0].host, "127.0.0.1");
        EXPECT_EQ(v4[0].port, 443);
        EXPECT_EQ(v4[0].socktype, SOCK_STREAM);
        EXPECT_EQ(v4[0].protocol, IPPROTO_TCP);
        // An address_info is an endpoint.
        const corio::endpoint& e = v4[0];
        EXPECT_EQ(e, (corio::endpoint{"127.0.0.1", 443}));

        auto canon = co_await corio::getaddrinfo("localhost", 0, {.type = SOCK_DGRAM, .flags = AI_CANONNAME});
        CO_ASSERT_TRUE(!canon.empty());
        EXPECT_EQ(canon[0].canonname, "localhost");

        auto v6 = co_await corio::getaddrinfo("::1", 53, {.type = SOCK_DGRAM});
        CO_ASSERT_TRUE(v6.size() == 1u);
        EXPECT_EQ(v6[0].family, AF_INET6);
        EXPECT_EQ(v6[0].host, "::1");

        auto passive = co_await corio::getaddrinfo(
            "", 8080, {.family = AF_INET, .type = SOCK_STREAM, .flags = AI_PASSIVE});
        CO_ASSERT_TRUE(passive.size() == 1u);
        EXPECT_EQ(passive[0].host, "0.0.0.0");
    }());
}

TEST(dns, errors_carry_the_gai_code) {
    corio::run([]() -> corio::coro<void> {
        try {
            co_await corio::getaddrinfo("not-a-number", 80, {.flags = AI_NUMERICHOST});
            ADD_FAILURE() << "lookup succeeded";
        } catch (const std::system_error& e) {
            EXPECT_EQ(&e.code().category(), &corio::gai_category());
            EXPECT_EQ(e.code().value(), EAI_NONAME);
            EXPECT_STREQ(e.code().category().name(), "getaddrinfo");
            EXPECT_NE(std::string(e.what()).find("not-a-number"), std::string::npos) << e.what();
        }
        EXPECT_THROW(
            co_await corio::getaddrinfo("127.0.0.1", 80, {.family = AF_INET6, .flags = AI_NUMERICHOST}),
            std::system_error);
    }());
}

TEST(dns, concurrent_lookups) {
    corio::run([]() -> corio::coro<void> {
        std::vector<corio::task<std::vector<corio::address_info>>> tasks;
        for (int i = 0; i < 32; ++i)
            tasks.push_back(
                corio::create_task(corio::getaddrinfo("localhost", static_cast<std::uint16_t>(1000 + i))));
        for (int i = 0; i < 32; ++i) {
            auto r = co_await tasks[i];
            CO_ASSERT_TRUE(!r.empty());
            EXPECT_EQ(r[0].port, 1000 + i);
        }
    }());
}

TEST(dns, cancellation_resumes_at_once) {
    corio::run([]() -> corio::coro<void> {
        auto t = corio::create_task(corio::getaddrinfo("localhost", 80));
        co_await corio::sleep(0s);  // parked on the lookup (or just woken: cancel() still wins)
        t.cancel();
        EXPECT_THROW(co_await t, corio::cancelled_error);
        // The loop stays usable, and a later lookup works.
        auto again = co_await corio::getaddrinfo("localhost", 80, {.type = SOCK_STREAM});
        EXPECT_FALSE(again.empty());
    }());
}

TEST(dns, loop_may_close_during_a_lookup) {
    // The lookup's thread outlives the loop and must not touch it.
    corio::run([]() -> corio::coro<void> {
        corio::create_task(corio::getaddrinfo("localhost", 80));
        co_await corio::sleep(0s);
    }());
    corio::run([]() -> corio::coro<void> { co_await corio::getaddrinfo("localhost", 80); }());
}

TEST(dns, virtual_time_waits_for_the_lookup) {
    corio::run(
        []() -> corio::coro<void> {
            auto& loop = corio::get_running_loop();
            const auto start = loop.time();
            auto sleeper = corio::create_task(nap(1h));
            auto r = co_await corio::getaddrinfo("localhost", 80);
            EXPECT_FALSE(r.empty());
            // Time could not jump to the sleeper's deadline while the lookup ran.
            EXPECT_LT(loop.time() - start, 1h);
            EXPECT_FALSE(sleeper.done());
            sleeper.cancel();
        }(),
        {.clock = corio::virtual_clock()});
}
