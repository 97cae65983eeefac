// Seed 000, the warning about asyncio.run: a task created inside main that
// outlives main.
//
//   async def my_coroutine():
//       task = asyncio.create_task(some_long_running_task())
//       # do other stuff
//       await asyncio.sleep(1)  # Let's assume this is the end of our coroutine
//
//   asyncio.run(my_coroutine())
//
// The seed worries that the task is silently abandoned. asyncio.run (and
// corio::run) instead cancel every task still pending when main returns and
// let it clean up, so nothing is abandoned: this program shows it happen.
#include <cstdio>

#include "example_time.hpp"

using namespace std::chrono_literals;

corio::coro<void> some_long_running_task() {
    std::printf("some_long_running_task: started, needs 5 seconds\n");
    try {
        co_await corio::sleep(5s);
        std::printf("some_long_running_task: finished\n");
    } catch (const corio::cancelled_error&) {
        std::printf("some_long_running_task: cancelled when main ended, cleaning up\n");
        throw;
    }
}

corio::coro<void> my_coroutine() {
    auto task = corio::create_task(some_long_running_task());
    // do other stuff
    co_await corio::sleep(1s);  // Let's assume this is the end of our coroutine
    std::printf("my_coroutine: done after %.2f s; the task is still pending: %s\n",
                corio::to_seconds(corio::get_running_loop().time().time_since_epoch()), task.done() ? "no" : "yes");
}

int main(int argc, char** argv) {
    example_time time(argc, argv);
    if (time.real_time) {
        std::printf("(this example measures time from the loop's start: use the default virtual clock)\n");
    }
    corio::run(my_coroutine(), {.clock = corio::virtual_clock()});
    std::printf("corio::run returned: every task was finished or cancelled first\n");
}
