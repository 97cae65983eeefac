// Seed 000, the pattern it recommends: create one task per socket handler,
// keep the tasks in a list, then gather them so that main (and run) only
// ends when every handler has finished.
//
//   async def binance_client():
//       ...
//       for crypto, task in zip(cryptos, price_tasks):
//           t = asyncio.create_task(handle_price_socket(crypto, task))
//           tasks.append(t)
//       for crypto, task in zip(cryptos, ticker_tasks):
//           t = asyncio.create_task(handle_ticker_socket(crypto, task))
//           tasks.append(t)
//       await asyncio.gather(*tasks)
//
// The Binance feed is live market data over TLS WebSocket (a later corio
// issue); here each "socket" is an async generator that produces a few
// deterministic messages at its own pace, so the interleaving is visible.
#include <cstdio>
#include <string>
#include <vector>

#include "example_time.hpp"

using namespace std::chrono_literals;

const std::vector<std::string> cryptos{"BTC", "ETH"};

// Stand-in for BinanceSocketManager.trade_socket(f"{crypto}USDT").
// Each message is "<symbol> <value>", like the stream's JSON reduced to two fields.
corio::async_generator<std::string> trade_socket(std::string symbol, double price, std::chrono::milliseconds every) {
    for (int i = 0; i < 3; ++i) {
        co_await corio::sleep(every);
        co_yield symbol + " price=" + std::to_string(price + i).substr(0, 8);
    }
}

// Stand-in for BinanceSocketManager.symbol_ticker_socket(f"{crypto}USDT").
corio::async_generator<std::string> symbol_ticker_socket(std::string symbol, double change) {
    for (int i = 0; i < 2; ++i) {
        co_await corio::sleep(1500ms);
        co_yield symbol + " change=" + std::to_string(change * (i + 1)).substr(0, 4) + "%";
    }
}

double elapsed() { return corio::to_seconds(corio::get_running_loop().time().time_since_epoch()); }

corio::coro<void> handle_price_socket(std::string crypto, corio::async_generator<std::string> socket) {
    while (auto msg = co_await socket.next()) std::printf("[%4.1fs] %s trade:  %s\n", elapsed(), crypto.c_str(), msg->c_str());
}

corio::coro<void> handle_ticker_socket(std::string crypto, corio::async_generator<std::string> socket) {
    while (auto msg = co_await socket.next()) std::printf("[%4.1fs] %s ticker: %s\n", elapsed(), crypto.c_str(), msg->c_str());
}

corio::coro<void> binance_client() {
    std::vector<corio::task<void>> tasks;
    double base = 60000;
    for (const auto& crypto : cryptos) {
        tasks.push_back(corio::create_task(handle_price_socket(crypto, trade_socket(crypto + "USDT", base, 1s))));
        base /= 20;
    }
    for (const auto& crypto : cryptos)
        tasks.push_back(corio::create_task(handle_ticker_socket(crypto, symbol_ticker_socket(crypto + "USDT", 0.5))));
    // If there is nothing else to do, wait until every handler has finished.
    co_await corio::gather(tasks);
    std::printf("all %zu socket handlers finished\n", tasks.size());
}

int main() { corio::run(binance_client(), {.clock = corio::virtual_clock()}); }
