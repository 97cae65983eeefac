// Seed 000, method 1: asyncio.gather runs coroutines concurrently and
// collects their results in argument order.
//
//   async def task1():                      async def main():
//       await asyncio.sleep(1)                  results = await asyncio.gather(task1(), task2())
//       return "result1"                        print(results)  # ['result1', 'result2']
//   async def task2():
//       await asyncio.sleep(2)              asyncio.run(main())
//       return "result2"
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
    auto [r1, r2] = co_await corio::gather(task1(), task2());
    std::printf("['%s', '%s']\n", r1.c_str(), r2.c_str());
}

int main(int argc, char** argv) { corio::run(main_(), example_time(argc, argv).options()); }
