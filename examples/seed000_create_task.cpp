// Seed 000, method 2: asyncio.create_task starts coroutines in the background;
// awaiting the task objects later gives their results.
//
//   async def main():
//       t1 = asyncio.create_task(task1())
//       t2 = asyncio.create_task(task2())
//       print(await t1)  # result1
//       print(await t2)  # result2
#include <cstdio>

#include "example_time.hpp"

using namespace std::chrono_literals;

corio::coro<std::string> task1() {
    co_await corio::sleep(1s);
    co_return "result1";
}

corio::coro<std::string> task2() {
    co_await corio::sleep(2s);
    co_return "result2";
}

corio::coro<void> main_() {
    auto t1 = corio::create_task(task1());
    auto t2 = corio::create_task(task2());
    std::printf("%s\n", (co_await t1).c_str());
    std::printf("%s\n", (co_await t2).c_str());
}

int main(int argc, char** argv) { corio::run(main_(), example_time(argc, argv).options()); }
