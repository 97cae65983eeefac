// Hard-to-break streams: resets mid-message, over-long lines, cancelled
// reads, peers that never read. Timing uses the virtual clock: waits that
// must time out do so at once, deterministically.
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

const corio::run_options virtual_time{.clock = corio::virtual_clock()};

corio::coro<std::string> ask(corio::stream_reader& r, corio::stream_writer& w, std::string line) {
    w.write(line);
    co_await w.drain();
    co_return co_await r.readline();
}

// --- a peer that resets mid-message ---------------------------------------------

struct reset_record {
    std::error_code error;
    bool got_line = false;
    corio::future<void> failed;
};
reset_record* resets = nullptr;

corio::coro<void> record_reset(corio::stream_reader r, corio::stream_writer w) {
    try {
        for (;;) {
            std::string line = co_await r.readline();
            if (line.empty()) break;
            resets->got_line = true;
            w.write(line);
            co_await w.drain();
        }
    } catch (const std::system_error& e) {
        resets->error = e.code();
        resets->failed.set_result();
    }
}

corio::coro<void> reset_mid_message() {
    reset_record rec;
    resets = &rec;
    auto server = co_await corio::start_server(record_reset, "127.0.0.1", 0);
    auto [r1, w1] = co_await corio::open_connection("127.0.0.1", server.port());
    auto [r2, w2] = co_await corio::open_connection("127.0.0.1", server.port());
    EXPECT_EQ(co_await ask(r2, w2, "before\n"), "before\n");
    EXPECT_EQ(co_await ask(r1, w1, "whole\n"), "whole\n");
    w1.write("half a mess");  // no newline: the server waits for the rest
    co_await w1.drain();
    co_await corio::sleep(0s);
    w1.abort();  // RST
    co_await rec.failed;
    EXPECT_EQ(rec.error, std::errc::connection_reset) << rec.error.message();
    // The other client is unaffected.
    EXPECT_EQ(co_await ask(r2, w2, "after\n"), "after\n");
    w2.close();
    server.close();
    co_await server.wait_closed();
    resets = nullptr;
}

// --- a line longer than the limit ---------------------------------------------

struct overrun_record {
    int overruns = 0;
    std::size_t consumed = 0;
};
overrun_record* overruns = nullptr;

corio::coro<void> lines_or_complain(corio::stream_reader r, corio::stream_writer w) {
    for (;;) {
        std::string line;
        try {
            line = co_await r.readline();
        } catch (const corio::limit_overrun_error& e) {
            ++overruns->overruns;
            overruns->consumed = e.consumed();
            w.write("too long\n");
            break;
        }
        if (line.empty()) break;
        w.write(line);
        co_await w.drain();
    }
    w.close();
}

corio::coro<void> long_line() {
    overrun_record rec;
    overruns = &rec;
    auto server = co_await corio::start_server(lines_or_complain, "127.0.0.1", 0, {.limit = 1024});
    auto [r1, w1] = co_await corio::open_connection("127.0.0.1", server.port());
    auto [r2, w2] = co_await corio::open_connection("127.0.0.1", server.port());
    EXPECT_EQ(co_await ask(r1, w1, std::string(1000, 'a') + "\n"), std::string(1000, 'a') + "\n");
    // 1 MB without a newline: the server gives up after about the limit,
    // without buffering the rest.
    w1.write(std::string(1 << 20, 'x'));
    EXPECT_EQ(co_await r1.readline(), "too long\n");
    EXPECT_EQ(rec.overruns, 1);
    EXPECT_LE(rec.consumed, 1024u + 64u * 1024u);
    EXPECT_EQ(co_await ask(r2, w2, "fine\n"), "fine\n");
    w1.abort();
    w2.close();
    server.close();
    co_await server.wait_closed();
    overruns = nullptr;
}

// --- a reader cancelled mid-read loses nothing ---------------------------------------

corio::coro<void> cancelled_reads() {
    corio::future<corio::stream_writer> accepted;
    auto keep = [](corio::future<corio::stream_writer> f) {
        return corio::client_connected_cb([f](corio::stream_reader, corio::stream_writer w) -> corio::coro<void> {
            f.set_result(w);
            co_return;
        });
    };
    auto server = co_await corio::start_server(keep(accepted), "127.0.0.1", 0);
    auto [r, w] = co_await corio::open_connection("127.0.0.1", server.port());
    corio::stream_writer peer = co_await accepted;

    // readexactly under a deadline, with part of the data there: times out,
    // and the part stays for the next read.
    peer.write("hello ");
    EXPECT_THROW(co_await corio::wait_for(r.readexactly(11), 50ms), corio::timeout_error);
    peer.write("world");
    EXPECT_EQ(co_await r.readexactly(11), "hello world");

    // readline cancelled through its task while half a line is buffered.
    peer.write("par");
    auto t = corio::create_task(r.readline());
    co_await corio::sleep(10ms);
    EXPECT_FALSE(t.done());
    t.cancel();
    EXPECT_THROW(co_await t, corio::cancelled_error);
    peer.write("tial\nnext\n");
    EXPECT_EQ(co_await r.readline(), "partial\n");
    EXPECT_EQ(co_await r.readline(), "next\n");

    // read(n) cancelled while nothing is there, then data arrives.
    auto t2 = corio::create_task(r.read(100));
    co_await corio::sleep(10ms);
    t2.cancel();
    EXPECT_THROW(co_await t2, corio::cancelled_error);
    peer.write("late");
    EXPECT_EQ(co_await r.read(100), "late");
    peer.close();
    EXPECT_EQ(co_await r.read(), "");
    w.close();
    server.close();
}

// --- a writer to a peer that never reads ---------------------------------------------

corio::coro<void> never_reading_peer() {
    corio::future<corio::stream_reader> accepted;
    corio::future<void> start_reading;
    auto keep = [](corio::future<corio::stream_reader> f) {
        return corio::client_connected_cb([f](corio::stream_reader r, corio::stream_writer) -> corio::coro<void> {
            f.set_result(r);
            co_return;
        });
    };
    auto server = co_await corio::start_server(keep(accepted), "127.0.0.1", 0);
    auto [r, w] = co_await corio::open_connection("127.0.0.1", server.port());
    corio::stream_reader peer = co_await accepted;
    w.set_write_buffer_limits(256 * 1024);
    const std::string chunk(64 * 1024, 'z');
    std::size_t written = 0;
    std::size_t max_buffered = 0;
    bool held = false;
    // Write until drain() holds us: the kernel buffers fill first, then ours.
    for (int i = 0; i < 100000 && !held; ++i) {
        w.write(chunk);
        written += chunk.size();
        max_buffered = std::max(max_buffered, w.get_write_buffer_size());
        try {
            co_await corio::wait_for(w.drain(), 1s);
        } catch (const corio::timeout_error&) {
            held = true;
        }
    }
    EXPECT_TRUE(held) << "drain never applied back-pressure after " << written << " bytes";
    EXPECT_LE(max_buffered, 256u * 1024 + chunk.size());
    EXPECT_GT(w.get_write_buffer_size(), 64u * 1024);  // over the low-water mark: held
    // The peer reads everything: the writer's buffer empties and drain returns.
    auto reading = corio::create_task(peer.readexactly(static_cast<std::ptrdiff_t>(written)));
    co_await w.drain();
    EXPECT_LE(w.get_write_buffer_size(), 64u * 1024);
    std::string all = co_await reading;
    EXPECT_EQ(all.size(), written);
    w.close();
    co_await w.wait_closed();
    server.close();
}

// --- writing to a peer that has gone ---------------------------------------------

corio::coro<void> write_to_gone_peer() {
    auto closer = [](corio::stream_reader, corio::stream_writer w) -> corio::coro<void> {
        w.abort();
        co_return;
    };
    auto server = co_await corio::start_server(closer, "127.0.0.1", 0);
    auto [r, w] = co_await corio::open_connection("127.0.0.1", server.port());
    try {
        EXPECT_EQ(co_await r.read(10), "");  // EOF, or a reset: either way the peer is gone
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), std::errc::connection_reset);
    }
    bool raised = false;
    for (int i = 0; i < 100 && !raised; ++i) {
        try {
            w.write("are you there?\n");
            co_await w.drain();
            co_await corio::sleep(1ms);
        } catch (const std::system_error& e) {
            raised = true;
            EXPECT_TRUE(e.code() == std::errc::broken_pipe || e.code() == std::errc::connection_reset)
                << e.code().message();
        }
    }
    EXPECT_TRUE(raised);
    w.close();
    server.close();
}

corio::coro<void> read_after_reset() {
    auto closer = [](corio::stream_reader, corio::stream_writer w) -> corio::coro<void> {
        w.abort();
        co_return;
    };
    auto server = co_await corio::start_server(closer, "127.0.0.1", 0);
    auto [r, w] = co_await corio::open_connection("127.0.0.1", server.port());
    try {
        std::string s = co_await r.read(10);
        EXPECT_EQ(s, "");
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), std::errc::connection_reset);
    }
    server.close();
}

}  // namespace

TEST(net_robustness, peer_reset_mid_message) { corio::run(reset_mid_message()); }
TEST(net_robustness, line_longer_than_limit) { corio::run(long_line()); }
TEST(net_robustness, cancelled_reader_loses_no_bytes) { corio::run(cancelled_reads(), virtual_time); }
TEST(net_robustness, drain_holds_writer_to_non_reading_peer) { corio::run(never_reading_peer(), virtual_time); }
TEST(net_robustness, write_to_gone_peer_raises_not_sigpipe) { corio::run(write_to_gone_peer()); }
TEST(net_robustness, read_after_reset) { corio::run(read_after_reset()); }
