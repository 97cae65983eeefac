// A UDP echo server and a client on the loopback interface, in one program
// (asyncio's create_datagram_endpoint). SIGTERM or SIGINT stops the server
// early; otherwise it stops after answering three datagrams.
#include <corio/corio.hpp>
#include <iostream>

corio::coro<void> serve(corio::datagram_endpoint& udp, int count) {
    for (int i = 0; i < count; ++i) {
        auto [data, from] = co_await udp.recvfrom();
        std::cout << "server: " << data << " from " << from.host << ":" << from.port << "\n";
        co_await udp.sendto(data, from);
    }
}

corio::coro<int> main_coro() {
    auto& loop = corio::get_running_loop();
    auto server = co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1", .local_port = 0});
    const corio::endpoint at = server.local_endpoint();
    auto serving = corio::create_task(serve(server, 3));
    loop.add_signal_handler(SIGTERM, [serving]() mutable { serving.cancel(); });

    auto client = co_await corio::create_datagram_endpoint({.remote_host = at.host, .remote_port = at.port});
    const std::vector<std::string> words{"one", "two", "three"};
    for (const std::string& word : words) {
        co_await client.send(word);
        auto [reply, from] = co_await client.recvfrom();
        std::cout << "client: " << reply << "\n";
    }
    co_await serving;
    loop.remove_signal_handler(SIGTERM);
    co_return 0;
}

int main() { return corio::run(main_coro()); }
