// Seed 003, the asynchronous version with gather: the coffee and the bagel
// wait at the same time, so the whole breakfast takes 3 seconds, not 5.
//
//   async def main():
//     start_time = time.time()
//     batch = asyncio.gather(brewCoffee(), toastBagel())
//     result_coffee, result_bagel = await batch
//     ...
//
// gather is eager as in asyncio: both coroutines are scheduled when `batch`
// is made, and `co_await batch` later collects their results.
#include <cstdio>
#include <string>

#include "example_time.hpp"

static example_time* pace;

corio::coro<std::string> brew_coffee() {
    std::printf("Start brewCoffee()\n");
    co_await corio::sleep(pace->seconds(3));
    std::printf("End brewCoffee()\n");
    co_return "Coffee ready";
}

corio::coro<std::string> toast_bagel() {
    std::printf("Start toastBagel()\n");
    co_await corio::sleep(pace->seconds(2));
    std::printf("End toastBagel()\n");
    co_return "Bagel toasted";
}

corio::coro<void> main_() {
    auto& loop = corio::get_running_loop();
    const auto start_time = loop.time();

    auto batch = corio::gather(brew_coffee(), toast_bagel());
    auto [result_coffee, result_bagel] = co_await batch;

    const auto elapsed = loop.time() - start_time;
    std::printf("Result of brewCoffee : %s\n", result_coffee.c_str());
    std::printf("Result of toastBagel : %s\n", result_bagel.c_str());
    std::printf("Total execution time : %.2f seconds%s\n", corio::to_seconds(elapsed), pace->clock_note().c_str());
}

int main(int argc, char** argv) {
    example_time time(argc, argv);
    pace = &time;
    corio::run(main_(), time.options());
}
