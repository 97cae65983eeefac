// corio's streams echo server for bench W5 (bench/net/run_echo.py):
//
//   echo_corio PORT      (PORT 0 picks a free port)
//
// Prints "PORT <n>" as its first stdout line; SIGTERM or SIGINT ends it, after
// printing "CPU <user_s> <sys_s>" like echo_epoll_server. The handler is the
// plain asyncio streams idiom (read, write, drain), nothing tuned for the
// benchmark: what it measures is the library's stream hot path.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <corio/corio.hpp>

namespace {

corio::coro<void> echo(corio::stream_reader reader, corio::stream_writer writer) {
    try {
        for (;;) {
            std::string data = co_await reader.read(65536);
            if (data.empty()) break;
            writer.write(data);
            co_await writer.drain();
        }
    } catch (const std::system_error&) {
        // The client went away mid-echo: nothing to do but close.
    }
    writer.close();
}

corio::coro<int> serve(int port) {
    auto server = co_await corio::start_server(echo, "127.0.0.1", port, {.backlog = 1024});
    std::printf("PORT %u\n", static_cast<unsigned>(server.port()));
    std::fflush(stdout);
    corio::event_loop& loop = corio::get_running_loop();
    loop.add_signal_handler(SIGTERM, [server]() mutable { server.close(); });
    loop.add_signal_handler(SIGINT, [server]() mutable { server.close(); });
    co_await server.serve_forever();
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    char* end = nullptr;
    const long port = argc == 2 ? std::strtol(argv[1], &end, 10) : -1;
    if (argc != 2 || *end != '\0' || port < 0 || port > 65535) {
        std::fprintf(stderr, "usage: %s PORT   (0 = pick a free port)\n", argv[0]);
        return 2;
    }
    const int status = corio::run(serve(static_cast<int>(port)));
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    std::printf("CPU %.6f %.6f\n", static_cast<double>(ru.ru_utime.tv_sec) + ru.ru_utime.tv_usec / 1e6,
                static_cast<double>(ru.ru_stime.tv_sec) + ru.ru_stime.tv_usec / 1e6);
    return status;
}
