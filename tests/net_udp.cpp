#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <corio/corio.hpp>
#include <corio/io/datagram.hpp>

using namespace std::chrono_literals;

namespace {

bool ipv6_loopback_works() {
    const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0) return false;
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

// Answers every datagram with its payload, `count` times.
corio::coro<void> echo(corio::datagram_endpoint& server, int count) {
    for (int i = 0; i < count; ++i) {
        auto [data, from] = co_await server.recvfrom();
        co_await server.sendto(data, from);
    }
}

corio::coro<void> echo_roundtrip(std::string host) {
    auto server = co_await corio::create_datagram_endpoint({.local_host = host, .local_port = 0});
    auto client = co_await corio::create_datagram_endpoint({.local_host = host, .local_port = 0});
    const corio::endpoint at = server.local_endpoint();
    EXPECT_EQ(at.host, host);
    EXPECT_NE(at.port, 0);
    auto t = corio::create_task(echo(server, 2));
    co_await client.sendto("ping", at.host, at.port);
    auto [data, from] = co_await client.recvfrom();
    EXPECT_EQ(data, "ping");
    EXPECT_EQ(from, at);
    const std::string bytes = "second";
    co_await client.sendto(std::span(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()), at.host,
                           at.port);
    auto reply = co_await client.recvfrom();
    EXPECT_EQ(reply.data, "second");
    co_await t;
}

}  // namespace

TEST(udp, echo_ipv4) { corio::run(echo_roundtrip("127.0.0.1")); }

TEST(udp, echo_ipv6) {
    if (!ipv6_loopback_works()) GTEST_SKIP() << "no IPv6 loopback here";
    corio::run(echo_roundtrip("::1"));
}

TEST(udp, api_snippet) {
    corio::run([]() -> corio::coro<void> {
        auto udp = co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1", .local_port = 0});
        uint16_t uport = udp.local_endpoint().port;
        std::string bytes = "hello";
        std::string host = "127.0.0.1";
        co_await udp.sendto(bytes, host, uport);  // to itself
        auto [data, from] = co_await udp.recvfrom();
        EXPECT_EQ(data, "hello");
        EXPECT_EQ(from.port, uport);
        EXPECT_EQ(from.host, "127.0.0.1");
    }());
}

TEST(udp, names_are_resolved) {
    corio::run([]() -> corio::coro<void> {
        auto a = co_await corio::create_datagram_endpoint({.local_host = "localhost", .local_port = 0});
        const auto at = a.local_endpoint();
        // localhost is ::1 first on a stock Debian (127.0.0.1 only on some
        // machines): the sender uses the family a was bound to, so that
        // "localhost" resolves to a's address for it too.
        const int family = at.host.find(':') != std::string::npos ? AF_INET6 : AF_INET;
        auto b = co_await corio::create_datagram_endpoint({.family = family});
        co_await b.sendto("by name", "localhost", at.port);
        auto got = co_await corio::wait_for(a.recvfrom(), 10s);
        EXPECT_EQ(got.data, "by name");
    }());
}

TEST(udp, connected_endpoint) {
    corio::run([]() -> corio::coro<void> {
        auto server = co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1"});
        const auto at = server.local_endpoint();
        auto client =
            co_await corio::create_datagram_endpoint({.remote_host = "127.0.0.1", .remote_port = at.port});
        EXPECT_EQ(client.remote_endpoint(), at);
        co_await client.send("over a connected socket");
        auto [data, from] = co_await server.recvfrom();
        EXPECT_EQ(data, "over a connected socket");
        EXPECT_EQ(from, client.local_endpoint());
        co_await server.sendto("back", from);
        auto reply = co_await client.recvfrom();
        EXPECT_EQ(reply.data, "back");
        EXPECT_EQ(reply.from, at);
    }());
}

TEST(udp, port_unreachable_reaches_connected_endpoint) {
    corio::run([]() -> corio::coro<void> {
        std::uint16_t closed_port;
        {
            auto tmp = co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1"});
            closed_port = tmp.local_endpoint().port;
        }
        auto client = co_await corio::create_datagram_endpoint(
            {.remote_host = "127.0.0.1", .remote_port = closed_port});
        co_await client.send("anyone?");
        try {
            co_await client.recvfrom();
            ADD_FAILURE() << "recvfrom succeeded";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::connection_refused);
        }
    }());
}

TEST(udp, send_without_peer_is_an_error) {
    corio::run([]() -> corio::coro<void> {
        auto udp = co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1"});
        EXPECT_THROW(co_await udp.send("x"), std::system_error);
        EXPECT_THROW(udp.remote_endpoint(), std::system_error);
    }());
}

TEST(udp, cancelled_recvfrom_loses_nothing) {
    corio::run([]() -> corio::coro<void> {
        auto udp = co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1"});
        const auto at = udp.local_endpoint();
        auto waiting = corio::create_task(udp.recvfrom());
        co_await corio::sleep(0s);  // let it park
        EXPECT_TRUE(waiting.cancel());
        EXPECT_THROW(co_await waiting, corio::cancelled_error);
        co_await udp.sendto("kept", at.host, at.port);
        auto got = co_await udp.recvfrom();
        EXPECT_EQ(got.data, "kept");
    }());
}

TEST(udp, one_receiver_at_a_time) {
    corio::run([]() -> corio::coro<void> {
        auto udp = co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1"});
        auto first = corio::create_task(udp.recvfrom());
        co_await corio::sleep(0s);
        EXPECT_THROW(co_await udp.recvfrom(), std::runtime_error);
        first.cancel();
        EXPECT_THROW(co_await first, corio::cancelled_error);
    }());
}

TEST(udp, close_wakes_the_receiver) {
    corio::run([]() -> corio::coro<void> {
        auto udp = co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1"});
        auto waiting = corio::create_task(udp.recvfrom());
        co_await corio::sleep(0s);
        udp.close();
        EXPECT_TRUE(udp.is_closing());
        EXPECT_EQ(udp.fileno(), -1);
        try {
            co_await waiting;
            ADD_FAILURE() << "recvfrom succeeded";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::bad_file_descriptor);
        }
        EXPECT_THROW(co_await udp.sendto("x", "127.0.0.1", 9), std::system_error);
    }());
}

TEST(udp, large_datagrams) {
    corio::run([]() -> corio::coro<void> {
        auto udp = co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1"});
        const auto at = udp.local_endpoint();
        std::string big(65000, 'x');
        big[123] = 'y';
        co_await udp.sendto(big, at);
        auto got = co_await udp.recvfrom();
        EXPECT_EQ(got.data, big);
        std::string too_big(70000, 'z');
        try {
            co_await udp.sendto(too_big, at);
            ADD_FAILURE() << "a 70000-byte datagram was sent";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::message_size);
        }
    }());
}

TEST(udp, many_datagrams_in_order) {
    corio::run([]() -> corio::coro<void> {
        auto a = co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1"});
        auto b = co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1"});
        const auto to = b.local_endpoint();
        constexpr int n = 200;  // well under the default socket buffer
        for (int i = 0; i < n; ++i) co_await a.sendto(std::to_string(i), to);
        for (int i = 0; i < n; ++i) {
            auto got = co_await b.recvfrom();
            EXPECT_EQ(got.data, std::to_string(i));
        }
    }());
}

TEST(udp, bad_arguments) {
    corio::run([]() -> corio::coro<void> {
        EXPECT_THROW(co_await corio::create_datagram_endpoint({.family = 12345}), std::invalid_argument);
        EXPECT_THROW(co_await corio::create_datagram_endpoint({.remote_port = 9}), std::invalid_argument);
        EXPECT_THROW(co_await corio::create_datagram_endpoint({.local_host = "::1", .family = AF_INET}),
                     std::system_error);
        // 192.0.2.1 (TEST-NET-1) is not ours: bind fails with EADDRNOTAVAIL, no packet is sent.
        try {
            co_await corio::create_datagram_endpoint({.local_host = "192.0.2.1", .local_port = 0});
            ADD_FAILURE() << "bound to an address that is not local";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::address_not_available);
        }
        corio::datagram_endpoint empty;
        EXPECT_TRUE(empty.is_closing());
        EXPECT_THROW(empty.local_endpoint(), std::system_error);
    }());
}

TEST(udp, endpoint_may_outlive_its_loop) {
    auto udp = corio::run([]() -> corio::coro<corio::datagram_endpoint> {
        co_return co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1"});
    }());
    EXPECT_FALSE(udp.is_closing());
    EXPECT_NE(udp.local_endpoint().port, 0);
    // Used from another loop: a clear error, not a dangling reactor.
    EXPECT_THROW(corio::run([&]() -> corio::coro<void> { co_await udp.recvfrom(); }()), std::runtime_error);
    udp.close();
}
