// Seed 003, the asynchronous version with create_task: the coffee and the bagel
// wait at the same time, so the whole breakfast takes 3 seconds, not 5.
//
//   async def main():
//     start_time = time.time()
//     coffee_task = asyncio.create_task(brewCoffee())
//     bagel_task = asyncio.create_task(toastBagel())
//     result_coffee = await coffee_task
//     result_bagel = await bagel_task
//     ...
//
// Both tasks are scheduled at once; awaiting them one after the other still
// takes 3 seconds because they were already running concurrently.
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

    auto coffee_task = corio::create_task(brew_coffee());
    auto bagel_task = corio::create_task(toast_bagel());
    std::string result_coffee = co_await coffee_task;
    std::string result_bagel = co_await bagel_task;

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
