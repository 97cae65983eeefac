// Seed 000, method 3: asyncio.wait with FIRST_COMPLETED returns as soon as
// one of the coroutines is done.
//
//   async def main():
//       done, pending = await asyncio.wait([task1(), task2()], return_when=asyncio.FIRST_COMPLETED)
//       for task in done:
//           print(task.result())
//
// As in Python, the pending task is not cancelled by wait(); asyncio.run
// (corio::run) cancels it when main returns.
#include <cstdio>
#include <vector>

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
    std::vector<corio::coro<std::string>> coros;
    coros.push_back(task1());
    coros.push_back(task2());
    auto [done, pending] = co_await corio::wait(std::move(coros), corio::first_completed);
    for (auto& task : done) std::printf("%s\n", task.result().c_str());
}

int main(int argc, char** argv) { corio::run(main_(), example_time(argc, argv).options()); }
