// An echo server and its clients in one program (asyncio's "TCP echo
// server/client using streams" from the docs), on an ephemeral port so it
// runs anywhere and ends by itself.
//
//   echo_server_client                 # server + 3 clients, then exit
//   echo_server_client --serve PORT    # only the server (Ctrl-C / SIGTERM ends it)
//   echo_server_client --client PORT   # one client against a running server
//
// Each client connection is handled by its own task; the server prints what
// it receives and echoes it back, and the clients print the replies.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <corio/corio.hpp>

using namespace std::chrono_literals;

// The server side: one task per connection (asyncio's handle_echo).
corio::coro<void> handle_echo(corio::stream_reader reader, corio::stream_writer writer) {
    const corio::endpoint peer = writer.peername();
    for (;;) {
        std::string line = co_await reader.readline();
        if (line.empty()) break;  // EOF: the client is done
        std::printf("server: received %-22s from %s\n", ("\"" + line.substr(0, line.size() - 1) + "\"").c_str(),
                    corio::to_string(peer).c_str());
        writer.write(line);
        co_await writer.drain();
    }
    std::printf("server: %s closed the connection\n", corio::to_string(peer).c_str());
    writer.close();
    co_await writer.wait_closed();
}

// The client side (asyncio's tcp_echo_client).
corio::coro<void> echo_client(int port, std::string name, int messages) {
    auto [reader, writer] = co_await corio::open_connection("127.0.0.1", port);
    for (int i = 1; i <= messages; ++i) {
        const std::string message = "hello " + std::to_string(i) + " from " + name;
        writer.write(message + "\n");
        co_await writer.drain();
        std::string reply = co_await reader.readline();
        std::printf("%s: sent %-26s got back %s", name.c_str(), ("\"" + message + "\"").c_str(), reply.c_str());
        co_await corio::sleep(10ms);  // let the clients interleave
    }
    writer.close();
    co_await writer.wait_closed();
}

corio::coro<int> demo() {
    auto server = co_await corio::start_server(handle_echo, "127.0.0.1", 0);
    std::printf("server: serving on %s\n", corio::to_string(server.sockets().front()).c_str());
    std::vector<corio::task<void>> clients;
    for (const char* name : {"alice", "bob", "carol"})
        clients.push_back(corio::create_task(echo_client(server.port(), name, 3), name));
    for (auto& c : clients) co_await c;
    // Give the handlers a moment to see the clients' EOF, then shut down.
    co_await corio::sleep(20ms);
    server.close();
    co_await server.wait_closed();
    std::printf("server: closed\n");
    co_return 0;
}

corio::coro<int> serve(int port) {
    auto server = co_await corio::start_server(handle_echo, "127.0.0.1", port);
    std::printf("server: serving on %s (Ctrl-C to stop)\n", corio::to_string(server.sockets().front()).c_str());
    std::fflush(stdout);
    co_await server.serve_forever();
    co_return 0;
}

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    try {
        if (argc == 3 && std::strcmp(argv[1], "--serve") == 0) return corio::run(serve(std::atoi(argv[2])));
        if (argc == 3 && std::strcmp(argv[1], "--client") == 0) {
            corio::run(echo_client(std::atoi(argv[2]), "client", 3));
            return 0;
        }
        if (argc != 1) {
            std::fprintf(stderr, "usage: %s [--serve PORT | --client PORT]\n", argv[0]);
            return 2;
        }
        return corio::run(demo());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
