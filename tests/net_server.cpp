// start_server's life cycle: each client is its own task, a failing handler
// only loses its own connection, close() with clients still connected,
// serve_forever, dropped handles that still flush, a loop closing with
// streams open.
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

int handlers_running = 0;
int handlers_done = 0;

corio::coro<void> echo_lines(corio::stream_reader r, corio::stream_writer w) {
    ++handlers_running;
    struct done {
        ~done() {
            --handlers_running;
            ++handlers_done;
        }
    } guard;
    for (;;) {
        std::string line = co_await r.readline();
        if (line.empty()) break;
        if (line == "boom\n") throw std::runtime_error("handler failed");
        w.write(line);
        co_await w.drain();
    }
    w.close();
}

corio::coro<std::string> ask(corio::stream_reader& r, corio::stream_writer& w, std::string line) {
    w.write(line);
    co_await w.drain();
    co_return co_await r.readline();
}

corio::coro<void> close_with_clients_connected() {
    handlers_running = handlers_done = 0;
    auto server = co_await corio::start_server(echo_lines, "127.0.0.1", 0);
    const int port = server.port();
    std::vector<corio::stream_pair> conns;
    for (int i = 0; i < 3; ++i) conns.push_back(co_await corio::open_connection("127.0.0.1", port));
    for (auto& [r, w] : conns) EXPECT_EQ(co_await ask(r, w, "hi\n"), "hi\n");
    EXPECT_EQ(handlers_running, 3);  // one task per client
    EXPECT_EQ(server.active_connections(), 3u);
    EXPECT_TRUE(server.is_serving());

    server.close();
    co_await server.wait_closed();  // returns although clients are connected
    EXPECT_FALSE(server.is_serving());
    EXPECT_TRUE(server.sockets().empty());
    EXPECT_THROW(co_await corio::open_connection("127.0.0.1", port), std::system_error);
    // Accepted connections keep working (asyncio's semantics)...
    EXPECT_EQ(co_await ask(conns[0].first, conns[0].second, "still\n"), "still\n");
    // ...until close_clients().
    server.close_clients();
    for (auto& [r, w] : conns) EXPECT_EQ(co_await r.read(), "");
    while (handlers_running > 0) co_await corio::sleep(0s);
    EXPECT_EQ(handlers_done, 3);
    EXPECT_EQ(server.active_connections(), 0u);
}

corio::coro<void> failing_handler_is_isolated() {
    std::vector<std::string> reported;
    corio::get_running_loop().set_exception_handler(
        [&reported](corio::event_loop&, const corio::exception_context& ctx) { reported.push_back(ctx.message); });
    auto server = co_await corio::start_server(echo_lines, "127.0.0.1", 0);
    auto [r1, w1] = co_await corio::open_connection("127.0.0.1", server.port());
    auto [r2, w2] = co_await corio::open_connection("127.0.0.1", server.port());
    w1.write("boom\n");
    EXPECT_EQ(co_await r1.read(), "");  // the failing handler's connection is closed
    EXPECT_EQ(reported.size(), 1u);
    if (!reported.empty()) {
        EXPECT_NE(reported[0].find("client_connected_cb"), std::string::npos);
    }
    EXPECT_EQ(co_await ask(r2, w2, "ok\n"), "ok\n");
    w2.close();
    server.close();
    corio::get_running_loop().set_exception_handler(nullptr);
}

corio::coro<void> stop_later(corio::server s) {
    co_await corio::sleep(1s);
    s.close();
}

corio::coro<void> serve_forever_until_close() {
    auto server = co_await corio::start_server(echo_lines, "127.0.0.1", 0, {.start_serving = false});
    EXPECT_FALSE(server.is_serving());
    auto stopper = corio::create_task(stop_later(server));
    co_await server.serve_forever();  // returns when another task closes the server
    EXPECT_FALSE(server.is_serving());
    co_await server.wait_closed();
    co_await stopper;
    EXPECT_THROW(co_await server.serve_forever(), corio::invalid_state_error);

    // Cancelling serve_forever closes the server.
    auto server2 = co_await corio::start_server(echo_lines, "127.0.0.1", 0);
    auto forever = corio::create_task(server2.serve_forever());
    co_await corio::sleep(1s);
    forever.cancel();
    EXPECT_THROW(co_await forever, corio::cancelled_error);
    co_await server2.wait_closed();
    EXPECT_FALSE(server2.is_serving());
}

// A handler that writes and drops its writer without close(): the bytes
// still go out, then the connection closes (asyncio's transport does this).
corio::coro<void> dropped_handles_flush() {
    auto fire_and_forget = [](corio::stream_reader, corio::stream_writer w) -> corio::coro<void> {
        w.write(std::string(4 << 20, 'q'));  // far more than the kernel takes at once
        co_return;
    };
    auto server = co_await corio::start_server(fire_and_forget, "127.0.0.1", 0);
    auto [r, w] = co_await corio::open_connection("127.0.0.1", server.port());
    std::string all = co_await r.read();
    EXPECT_EQ(all.size(), 4u << 20);
    w.close();
    server.close();
}

// Everything left open when the loop closes: pending handler tasks, a
// server, queued output, and a handle that outlives the loop.
corio::coro<corio::stream_writer> leave_everything_open() {
    auto server = co_await corio::start_server(echo_lines, "127.0.0.1", 0);
    auto [r, w] = co_await corio::open_connection("127.0.0.1", server.port());
    EXPECT_EQ(co_await ask(r, w, "x\n"), "x\n");
    w.write(std::string(8 << 20, 'x'));  // queued, never drained
    co_return w;
}

}  // namespace

TEST(net_server, close_with_clients_connected) { corio::run(close_with_clients_connected()); }
TEST(net_server, failing_handler_is_isolated) { corio::run(failing_handler_is_isolated()); }
TEST(net_server, serve_forever_until_close) {
    corio::run(serve_forever_until_close(), {.clock = corio::virtual_clock()});
}
TEST(net_server, dropped_handles_still_flush) { corio::run(dropped_handles_flush()); }

TEST(net_server, loop_closes_with_streams_open) {
    std::optional<corio::stream_writer> kept;
    {
        corio::event_loop loop;
        kept = loop.run_until_complete(leave_everything_open());
        EXPECT_FALSE(kept->is_closing());
        loop.close();  // frees the handler task and force-closes every stream
        EXPECT_TRUE(kept->is_closing());
    }
    EXPECT_EQ(kept->fd(), -1);
    kept.reset();  // the last handle, after its loop: no leak, no crash (ASan)
}
