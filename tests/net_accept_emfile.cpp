// accept() under file-descriptor exhaustion: the server reports it, pauses
// accepting (loop timers, so virtual time makes the pause instant and the
// count of retries exact), does not spin, and recovers once fds are free.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <corio/corio.hpp>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

corio::coro<void> echo_lines(corio::stream_reader r, corio::stream_writer w) {
    for (;;) {
        std::string line = co_await r.readline();
        if (line.empty()) break;
        w.write(line);
        co_await w.drain();
    }
    w.close();
}

// Fills the fd table under a lowered soft limit; gives everything back.
class fd_hog {
public:
    fd_hog() {
        ::getrlimit(RLIMIT_NOFILE, &saved_);
        rlimit low = saved_;
        low.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 512);
        ::setrlimit(RLIMIT_NOFILE, &low);
        for (;;) {
            const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd < 0) break;
            fds_.push_back(fd);
        }
    }
    ~fd_hog() { release(); }
    void release() {
        for (int fd : fds_) ::close(fd);
        fds_.clear();
        ::setrlimit(RLIMIT_NOFILE, &saved_);
    }
    bool exhausted() const { return ::open("/dev/null", O_RDONLY) < 0 && errno == EMFILE; }

private:
    rlimit saved_{};
    std::vector<int> fds_;
};

int reports = 0;
std::error_code last_error;

corio::coro<void> exhaust_then_recover() {
    corio::event_loop& loop = corio::get_running_loop();
    loop.set_exception_handler([](corio::event_loop&, const corio::exception_context& ctx) {
        if (ctx.message.find("out of system resource") == std::string::npos) return;
        ++reports;
        try {
            std::rethrow_exception(ctx.exception);
        } catch (const std::system_error& e) {
            last_error = e.code();
        } catch (...) {
        }
    });
    auto server = co_await corio::start_server(echo_lines, "127.0.0.1", 0);
    // The client's socket exists before the table fills; its connection then
    // waits in the listener's backlog.
    corio::socket client(AF_INET, SOCK_STREAM);
    const corio::endpoint target{"127.0.0.1", server.port()};
    {
        // UBSan's vptr check validates a type it has not seen yet through a
        // pipe, which it cannot open once the fds are gone (it then reports a
        // valid object as invalid). So everything the exhausted part does is
        // done once before: a connection served to its end, and sleeps.
        auto [r, w] = co_await corio::open_connection("127.0.0.1", server.port());
        w.write("warm\n");
        EXPECT_EQ(co_await r.readline(), "warm\n");
        w.close();
        EXPECT_EQ(co_await r.readline(), "");  // the handler has seen EOF and ended
        co_await corio::sleep(1s);
        try {
            throw std::system_error(std::make_error_code(std::errc::too_many_files_open), "warm");
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), std::errc::too_many_files_open);  // as the handler below reads it
        }
    }

    fd_hog hog;
    EXPECT_TRUE(hog.exhausted());
    co_await loop.sock_connect(client.fd(), target);
    const auto t0 = loop.time();
    rusage before{};
    ::getrusage(RUSAGE_SELF, &before);
    co_await corio::sleep(10s);  // ten pauses of 1 s, instantly in virtual time
    rusage after{};
    ::getrusage(RUSAGE_SELF, &after);
    EXPECT_EQ(loop.time() - t0, 10s);
    // One report per retry: no spinning (level-triggered epoll would report
    // the listener readable forever).
    EXPECT_GE(reports, 9);
    EXPECT_LE(reports, 12);
    EXPECT_EQ(last_error, std::errc::too_many_files_open);
    const double cpu = (after.ru_utime.tv_sec - before.ru_utime.tv_sec) + (after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
                       1e-6 * ((after.ru_utime.tv_usec - before.ru_utime.tv_usec) +
                               (after.ru_stime.tv_usec - before.ru_stime.tv_usec));
    EXPECT_LT(cpu, 0.5);

    hog.release();
    const int before_recovery = reports;
    co_await loop.sock_sendall(client.fd(), "still there?\n");
    std::string echo;
    while (echo.find('\n') == std::string::npos) {
        auto chunk = co_await loop.sock_recv(client.fd(), 64);
        if (chunk.empty()) break;
        echo += chunk;
    }
    EXPECT_EQ(echo, "still there?\n");
    EXPECT_EQ(reports, before_recovery);
    // And new connections are accepted normally.
    auto [r, w] = co_await corio::open_connection("127.0.0.1", server.port());
    w.write("new\n");
    EXPECT_EQ(co_await r.readline(), "new\n");
    w.close();
    client.close();
    server.close();
    co_await server.wait_closed();
}

}  // namespace

TEST(net_accept_emfile, pauses_reports_and_recovers) {
    corio::run(exhaust_then_recover(), {.clock = corio::virtual_clock()});
}
