// redis_lite (examples/redis_lite): the server runs in-process, on its own
// loop in a thread, and the real redis-cli and redis-benchmark (Debian's
// redis-tools) talk to it: commands, errors, expiry, pipelining. Then raw
// RESP from a corio client checks what the tools do not show: exact bytes
// of pipelined replies, commands split across reads, protocol errors and
// limits, and the periodic sweep (on the virtual clock, with server and
// client on one loop).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <random>
#include <string>
#include <thread>

#include <corio/corio.hpp>

#include "resp_parser.hpp"
#include "server.hpp"

using namespace std::chrono_literals;

namespace {

// redis_lite on its own thread and loop, as a separate server would be.
class server_thread {
public:
    explicit server_thread(redis_lite::options opts = {}) {
        std::promise<void> started;
        auto ready = started.get_future();
        thread_ = std::thread([this, &started, opts] { corio::run(serve(started, opts)); });
        ready.get();
    }
    ~server_thread() {
        loop_->call_soon_threadsafe([this] { srv_->close(); });
        thread_.join();
    }
    int port() const { return port_; }

private:
    corio::coro<void> serve(std::promise<void>& started, redis_lite::options opts) {
        auto srv = co_await redis_lite::instance::start(opts);
        srv_ = &srv;  // only dereferenced on this loop's thread
        loop_ = &corio::get_running_loop();
        port_ = srv.port();
        started.set_value();
        co_await srv.serve_forever();
    }

    std::thread thread_;
    corio::event_loop* loop_ = nullptr;
    redis_lite::instance* srv_ = nullptr;
    int port_ = 0;
};

struct command_result {
    std::string output;
    int status = -1;
};

command_result shell(const std::string& command) {
    command_result r;
    FILE* out = ::popen((command + " 2>&1").c_str(), "r");
    if (!out) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, out)) > 0;) r.output.append(buf, n);
    const int status = ::pclose(out);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

bool have_tool(const char* name) { return shell(std::string("command -v ") + name).status == 0; }

#define REQUIRE_TOOL(name)                                                                    \
    if (!have_tool(name)) GTEST_SKIP() << name << " not installed (Debian: redis-tools)"

// One redis-cli call; its output without the trailing newline.
std::string cli(const server_thread& s, const std::string& args) {
    const command_result r = shell("timeout 20 redis-cli -p " + std::to_string(s.port()) + " " + args);
    EXPECT_EQ(r.status, 0) << args << ": " << r.output;
    std::string out = r.output;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

TEST(net_redis_lite, redis_cli_commands) {
    REQUIRE_TOOL("redis-cli");
    server_thread s;
    EXPECT_EQ(cli(s, "PING"), "PONG");
    EXPECT_EQ(cli(s, "ping hello"), "hello");
    EXPECT_EQ(cli(s, "ECHO 'two words'"), "two words");
    EXPECT_EQ(cli(s, "SET k v"), "OK");
    EXPECT_EQ(cli(s, "GET k"), "v");
    EXPECT_EQ(cli(s, "GET missing"), "");
    EXPECT_EQ(cli(s, "INCR counter"), "1");
    EXPECT_EQ(cli(s, "INCR counter"), "2");
    EXPECT_EQ(cli(s, "MGET k counter missing"), "v\n2");  // then nil, an empty line
    EXPECT_EQ(cli(s, "EXISTS k counter missing k"), "3");
    EXPECT_EQ(cli(s, "SET k v2 NX"), "");
    EXPECT_EQ(cli(s, "SET k v2 XX"), "OK");
    EXPECT_EQ(cli(s, "SET other v XX"), "");
    EXPECT_EQ(cli(s, "SET k v3 GET"), "v2");
    EXPECT_EQ(cli(s, "DBSIZE"), "2");
    EXPECT_EQ(cli(s, "DEL k counter missing"), "2");
    EXPECT_EQ(cli(s, "EXISTS k counter"), "0");
    EXPECT_EQ(cli(s, "SET n notanumber"), "OK");
    EXPECT_EQ(cli(s, "INCR n"), "ERR value is not an integer or out of range");
    EXPECT_EQ(cli(s, "SET n 9223372036854775807"), "OK");
    EXPECT_EQ(cli(s, "INCR n"), "ERR increment or decrement would overflow");
    EXPECT_EQ(cli(s, "GET"), "ERR wrong number of arguments for 'get' command");
    EXPECT_EQ(cli(s, "SET k v EX 0"), "ERR invalid expire time in 'set' command");
    EXPECT_EQ(cli(s, "SET k v NX XX"), "ERR syntax error");
    EXPECT_EQ(cli(s, "FLY me away"), "ERR unknown command 'FLY', with args beginning with: 'me' 'away' ");
}

TEST(net_redis_lite, redis_cli_expiry) {
    REQUIRE_TOOL("redis-cli");
    server_thread s;
    EXPECT_EQ(cli(s, "SET long v PX 100000"), "OK");
    const int pttl = std::stoi(cli(s, "PTTL long"));
    EXPECT_GT(pttl, 0);
    EXPECT_LE(pttl, 100000);
    EXPECT_EQ(cli(s, "TTL long"), "100");
    EXPECT_EQ(cli(s, "TTL missing"), "-2");
    EXPECT_EQ(cli(s, "SET plain v"), "OK");
    EXPECT_EQ(cli(s, "TTL plain"), "-1");
    EXPECT_EQ(cli(s, "SET plain v2 KEEPTTL"), "OK");
    EXPECT_EQ(cli(s, "TTL plain"), "-1");

    // Real time, since redis-cli is another process: poll until the key is
    // gone, and check that it lived at least its 50 ms.
    const auto set_at = std::chrono::steady_clock::now();
    EXPECT_EQ(cli(s, "SET short v PX 50"), "OK");
    std::string value = "v";
    while (value == "v" && std::chrono::steady_clock::now() - set_at < 10s) value = cli(s, "GET short");
    EXPECT_EQ(value, "");
    EXPECT_GE(std::chrono::steady_clock::now() - set_at, 50ms);
    EXPECT_EQ(cli(s, "EXISTS short long"), "1");
    EXPECT_EQ(cli(s, "GET long"), "v");
}

TEST(net_redis_lite, redis_benchmark_pipelined) {
    REQUIRE_TOOL("redis-benchmark");
    server_thread s;
    const command_result r = shell("timeout 120 redis-benchmark -p " + std::to_string(s.port()) +
                                   " -t ping,set,get -n 2000 -P 16 -q");
    ASSERT_EQ(r.status, 0) << r.output;
    for (const char* test : {"PING_INLINE: ", "PING_MBULK: ", "SET: ", "GET: "}) {
        const std::size_t at = r.output.rfind(test);
        ASSERT_NE(at, std::string::npos) << test << " missing in: " << r.output;
        const double rps = std::atof(r.output.c_str() + at + std::strlen(test));
        EXPECT_GT(rps, 0) << r.output;
    }
    EXPECT_EQ(cli(s, "STRLEN key:__rand_int__"), "3");  // the SET test's value (-d 3)
}

// --- the parser alone --------------------------------------------------------

// Parses `input` fed in pieces of random size, moving the unparsed bytes to a
// fresh buffer after every piece (as a connection does); returns the commands
// joined as "arg arg|" (or "ERROR <why>").
std::string parse_in_pieces(const std::string& input, std::mt19937& rng, std::size_t max_piece) {
    redis_lite::resp_parser parser;
    std::string buffer, seen;
    std::size_t pos = 0, fed = 0;
    while (fed < input.size()) {
        const std::size_t n = std::min(input.size() - fed, 1 + rng() % max_piece);
        buffer = buffer.substr(pos) + input.substr(fed, n);
        fed += n;
        pos = 0;
        for (;;) {
            const auto r = parser.parse(buffer, pos);
            if (r == redis_lite::resp_parser::result::incomplete) break;
            if (r == redis_lite::resp_parser::result::error) return seen + "ERROR " + parser.error();
            for (std::string_view a : parser.args()) seen.append(a).append(" ");
            seen += "|";
        }
    }
    return seen;
}

TEST(net_redis_lite, parser_gives_the_same_commands_however_the_input_is_cut) {
    std::mt19937 rng(42);
    for (int round = 0; round < 300; ++round) {
        std::string input;
        for (int c = 0, commands = 1 + static_cast<int>(rng() % 8); c < commands; ++c) {
            const int args = static_cast<int>(rng() % 4);
            if (rng() % 4 == 0) {  // inline
                for (int a = 0; a <= args; ++a) input += (a ? " " : "") + std::string(1 + rng() % 5, 'a' + static_cast<char>(a));
                input += rng() % 2 ? "\r\n" : "\n";
                continue;
            }
            input += "*" + std::to_string(args + 1) + "\r\n";
            for (int a = 0; a <= args; ++a) {
                std::string arg(rng() % 40, '\0');
                for (char& ch : arg) ch = static_cast<char>(rng());  // binary-safe: any byte
                input += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
            }
        }
        if (round % 10 == 0) input.insert(rng() % input.size(), "$");  // sometimes corrupt it
        const std::string whole = parse_in_pieces(input, rng, input.size());
        for (std::size_t max_piece : {1, 2, 3, 7, 16})
            ASSERT_EQ(parse_in_pieces(input, rng, max_piece), whole) << "round " << round;
    }
}

// --- raw RESP from a corio client, server on the same loop -----------------

using session_fn = corio::coro<void> (*)(corio::stream_reader&, corio::stream_writer&, redis_lite::instance&);

void with_server(redis_lite::options opts, session_fn session, corio::run_options run = {}) {
    auto main = [](redis_lite::options o, session_fn fn) -> corio::coro<void> {
        auto srv = co_await redis_lite::instance::start(o);
        auto [reader, writer] = co_await corio::open_connection("127.0.0.1", srv.port());
        co_await corio::wait_for(fn(reader, writer, srv), 30s);  // a hang fails, with timeout_error
        writer.close();
        srv.close();
    };
    corio::run(main(std::move(opts), session), run);
}

corio::coro<std::string> ask(corio::stream_reader& r, corio::stream_writer& w, std::string request,
                             std::size_t reply_size) {
    w.write(request);
    co_await w.drain();
    co_return co_await r.readexactly(static_cast<std::ptrdiff_t>(reply_size));
}

TEST(net_redis_lite, pipelined_replies_come_in_order_in_one_batch) {
    with_server({}, [](corio::stream_reader& r, corio::stream_writer& w, redis_lite::instance&) -> corio::coro<void> {
        const std::string request =
            "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$2\r\n10\r\n"
            "*2\r\n$4\r\nINCR\r\n$1\r\na\r\n"
            "PING\r\n"
            "*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n"
            "*1\r\n$4\r\nnope\r\n"
            "*2\r\n$4\r\necho\r\n$0\r\n\r\n";
        const std::string expected =
            "+OK\r\n:11\r\n+PONG\r\n*2\r\n$2\r\n11\r\n$-1\r\n"
            "-ERR unknown command 'nope', with args beginning with: \r\n$0\r\n\r\n";
        EXPECT_EQ(co_await ask(r, w, request, expected.size()), expected);
    });
}

TEST(net_redis_lite, commands_split_across_reads) {
    with_server({}, [](corio::stream_reader& r, corio::stream_writer& w, redis_lite::instance&) -> corio::coro<void> {
        const std::string request = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$11\r\nhello world\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
        for (char c : request) {  // one byte per segment: every parser state is cut
            w.write(std::string_view(&c, 1));
            co_await w.drain();
            co_await corio::sleep(0s);
        }
        const std::string expected = "+OK\r\n$11\r\nhello world\r\n";
        EXPECT_EQ(co_await r.readexactly(static_cast<std::ptrdiff_t>(expected.size())), expected);
    });
}

TEST(net_redis_lite, large_value_round_trip) {
    with_server({}, [](corio::stream_reader& r, corio::stream_writer& w, redis_lite::instance&) -> corio::coro<void> {
        const std::string value(1 << 20, 'x');
        const std::string set = "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
        EXPECT_EQ(co_await ask(r, w, set, 5), "+OK\r\n");
        const std::string expected = "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
        EXPECT_EQ(co_await ask(r, w, "GET big\r\n", expected.size()), expected);
    });
}

TEST(net_redis_lite, protocol_error_replies_then_disconnects) {
    with_server({}, [](corio::stream_reader& r, corio::stream_writer& w, redis_lite::instance&) -> corio::coro<void> {
        w.write("PING\r\n*1\r\n+PING\r\nPING\r\n");
        co_await w.drain();
        EXPECT_EQ(co_await r.read(), "+PONG\r\n-ERR Protocol error: expected '$', got '+'\r\n");  // then EOF
    });
}

TEST(net_redis_lite, absurd_bulk_length_is_rejected_before_any_allocation) {
    with_server({}, [](corio::stream_reader& r, corio::stream_writer& w, redis_lite::instance&) -> corio::coro<void> {
        w.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$999999999999\r\n");
        co_await w.drain();
        EXPECT_EQ(co_await r.read(), "-ERR Protocol error: invalid bulk length\r\n");
    });
}

TEST(net_redis_lite, configured_bulk_limit_and_multibulk_limit) {
    redis_lite::options opts;
    opts.limits.max_bulk_len = 16;
    with_server(opts, [](corio::stream_reader& r, corio::stream_writer& w, redis_lite::instance&) -> corio::coro<void> {
        EXPECT_EQ(co_await ask(r, w, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$16\r\n0123456789abcdef\r\n", 5), "+OK\r\n");
        w.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$17\r\n");
        co_await w.drain();
        EXPECT_EQ(co_await r.read(), "-ERR Protocol error: invalid bulk length\r\n");
    });
    with_server({}, [](corio::stream_reader& r, corio::stream_writer& w, redis_lite::instance&) -> corio::coro<void> {
        w.write("*2000000\r\n");
        co_await w.drain();
        EXPECT_EQ(co_await r.read(), "-ERR Protocol error: invalid multibulk length\r\n");
    });
}

TEST(net_redis_lite, malformed_counts_are_rejected_at_once) {
    // Each of these would otherwise leave the server waiting for more bytes.
    static const char* const cases[][2] = {
        {"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
        {"*1\r\n$12345678901234567890", "-ERR Protocol error: invalid bulk length\r\n"},
        {"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
        {"*1\r\n$4x", "-ERR Protocol error: invalid bulk length\r\n"},
    };
    static std::size_t i = 0;
    for (i = 0; i < std::size(cases); ++i) {
        with_server({}, [](corio::stream_reader& r, corio::stream_writer& w, redis_lite::instance&) -> corio::coro<void> {
            w.write(cases[i][0]);
            co_await w.drain();
            EXPECT_EQ(co_await r.read(), cases[i][1]) << cases[i][0];
        });
    }
}

TEST(net_redis_lite, an_endless_inline_line_is_cut_off) {
    with_server({}, [](corio::stream_reader& r, corio::stream_writer& w, redis_lite::instance&) -> corio::coro<void> {
        // 80 KiB without a newline: past the 64 KiB inline limit, and all of
        // it read by the server before it hangs up (so no reset is sent).
        w.write(std::string(80 * 1024, 'a'));
        co_await w.drain();
        const std::string reply = co_await r.read();
        EXPECT_EQ(reply, "-ERR Protocol error: too big inline request\r\n");
    });
}

TEST(net_redis_lite, query_buffer_limit) {
    redis_lite::options opts;
    opts.max_query_buffer = 4096;
    with_server(opts, [](corio::stream_reader& r, corio::stream_writer& w, redis_lite::instance&) -> corio::coro<void> {
        // Within the bulk limit, but more than this client may have pending.
        w.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + std::string(8192, 'x'));
        co_await w.drain();
        EXPECT_EQ(co_await r.read(), "-ERR Protocol error: query buffer limit exceeded\r\n");
    });
}

TEST(net_redis_lite, sweeper_frees_expired_keys_nobody_reads) {
    const corio::run_options virtual_time{.clock = corio::virtual_clock()};
    with_server(
        {}, [](corio::stream_reader& r, corio::stream_writer& w, redis_lite::instance& srv) -> corio::coro<void> {
            for (int i = 0; i < 1000; ++i) {
                const std::string key = "k" + std::to_string(i);
                w.write("SET " + key + " v PX " + std::to_string(i % 2 ? 50 : 500000) + "\r\n");
            }
            co_await w.drain();
            for (int i = 0; i < 1000; ++i) EXPECT_EQ(co_await r.readexactly(5), "+OK\r\n");
            EXPECT_EQ(srv.keys().size(), 1000u);
            EXPECT_EQ(srv.keys().volatile_keys(), 1000u);
            co_await corio::sleep(1s);  // ten sweeps, no reads
            EXPECT_EQ(srv.keys().size(), 500u);
            EXPECT_EQ(co_await ask(r, w, "DBSIZE\r\n", 6), ":500\r\n");
        },
        virtual_time);
}

}  // namespace
