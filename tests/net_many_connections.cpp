// 10,000 concurrent connections to one server. The clients run in a forked
// child process with its own loop (each side needs 10,000 fds, and the hard
// fd limit may not allow 20,000 in one process); both sides are corio.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <corio/corio.hpp>
#include <string>
#include <vector>

namespace {

constexpr int clients = 10'000;
constexpr int wave = 500;  // connects in flight at once: stays under the listen backlog

bool raise_fd_limit(rlim_t want) {
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur >= want) return true;
    if (rl.rlim_max < want) return false;
    rl.rlim_cur = want;
    return ::setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

// --- the client side (child process) ------------------------------------------

corio::coro<corio::stream_pair> connect_and_echo(int port, int i) {
    auto conn = co_await corio::open_connection("127.0.0.1", port);
    const std::string line = "client " + std::to_string(i) + "\n";
    conn.second.write(line);
    co_await conn.second.drain();
    std::string echo = co_await conn.first.readline();
    if (echo != line) throw std::runtime_error("bad echo: " + echo);
    co_return conn;
}

corio::coro<int> run_clients(int port) {
    std::vector<corio::stream_pair> open;
    open.reserve(clients);
    for (int base = 0; base < clients; base += wave) {
        std::vector<corio::task<corio::stream_pair>> tasks;
        for (int i = base; i < base + wave; ++i) tasks.push_back(corio::create_task(connect_and_echo(port, i)));
        for (auto& t : tasks) open.push_back(co_await t);
    }
    // Every connection is open at this point. Say goodbye on all of them.
    const int n = static_cast<int>(open.size());
    for (auto& [r, w] : open) w.close();
    for (auto& [r, w] : open) co_await w.wait_closed();
    co_return n;
}

[[noreturn]] void client_process(int port_fd) {
    int status = 1;
    try {
        std::uint16_t port = 0;
        if (::read(port_fd, &port, sizeof port) == sizeof port && raise_fd_limit(clients + 100))
            status = corio::run(run_clients(port)) == clients ? 0 : 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "client process: %s\n", e.what());
        status = 3;
    }
    ::_exit(status);
}

// --- the server side ---------------------------------------------------------------

int active = 0;
int peak = 0;
int served = 0;
corio::future<void>* all_gone = nullptr;

corio::coro<void> hold_and_echo(corio::stream_reader r, corio::stream_writer w) {
    ++active;
    ++served;
    peak = std::max(peak, active);
    for (;;) {
        std::string line = co_await r.readline();
        if (line.empty()) break;
        w.write(line);
        co_await w.drain();
    }
    if (--active == 0 && served == clients) all_gone->set_result();
    w.close();
}

corio::coro<int> run_server(int port_fd, int exit_fd, pid_t child) {
    corio::future<void> gone;
    all_gone = &gone;
    auto server = co_await corio::start_server(hold_and_echo, "127.0.0.1", 0, {.backlog = 4096});
    const std::uint16_t port = server.port();
    if (::write(port_fd, &port, sizeof port) != sizeof port) throw std::runtime_error("port pipe");
    // The child holds the write end of exit_fd: EOF there means it exited.
    corio::stream_reader child_exit = corio::open_read_pipe(exit_fd);
    EXPECT_EQ(co_await child_exit.read(), "");
    int status = 0;
    ::waitpid(child, &status, 0);
    co_await gone;  // every handler saw its client leave
    all_gone = nullptr;
    server.close();
    co_await server.wait_closed();
    co_return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST(net_many_connections, ten_thousand_concurrent_clients) {
    if (!raise_fd_limit(clients + 100)) GTEST_SKIP() << "RLIMIT_NOFILE hard limit below " << clients + 100;
    int port_pipe[2];
    int exit_pipe[2];
    ASSERT_EQ(::pipe(port_pipe), 0);
    ASSERT_EQ(::pipe(exit_pipe), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(port_pipe[1]);
        ::close(exit_pipe[0]);
        client_process(port_pipe[0]);
    }
    ::close(port_pipe[0]);
    ::close(exit_pipe[1]);
    const int child_status = corio::run(run_server(port_pipe[1], exit_pipe[0], child));
    ::close(port_pipe[1]);
    EXPECT_EQ(child_status, 0);
    EXPECT_EQ(served, clients);
    EXPECT_EQ(peak, clients);  // all of them were connected at once
    EXPECT_EQ(active, 0);
}
