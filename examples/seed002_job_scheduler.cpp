// Seed 002: a job is created every 10 seconds; each job takes a random
// 5-15 seconds; jobs run concurrently (create_task, fire and forget).
//
//   async def run_job() -> None:
//       delay = randint(5, 15)
//       print(f'{datetime.now()} sleep for {delay} seconds')
//       await asyncio.sleep(delay)
//       print(f'{datetime.now()} finished ({delay} sec)')
//
//   async def main() -> None:
//       while True:
//           asyncio.create_task(run_job())
//           await asyncio.sleep(10)
//
//   asyncio.run(main())
//
// Like the Python program this runs forever; `--for S` stops it after S
// seconds (the tour uses 40), `--seed N` fixes the random delays. On the
// default virtual clock the timestamps are the real start time plus the
// loop's elapsed time, so 40 seconds of schedule print in a few milliseconds.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>

#include "example_time.hpp"

using namespace std::chrono_literals;

namespace {

std::mt19937 rng{std::random_device{}()};
const auto started_wall = std::chrono::system_clock::now();
corio::clock::time_point started_loop;

int randint(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// datetime.now(), as the loop sees it.
std::string now() {
    const auto t = started_wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                      corio::get_running_loop().time() - started_loop);
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    const long micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return std::string(buf) + "." + std::to_string(1000000 + micros).substr(1);
}

corio::coro<void> run_job() {
    const int delay = randint(5, 15);
    std::printf("%s sleep for %d seconds\n", now().c_str(), delay);
    co_await corio::sleep(std::chrono::seconds(delay));
    std::printf("%s finished (%d sec)\n", now().c_str(), delay);
}

corio::coro<void> main_() {
    started_loop = corio::get_running_loop().time();
    while (true) {
        corio::create_task(run_job());  // fire and forget: the loop owns the task
        co_await corio::sleep(10s);
    }
}

corio::coro<void> run_for(std::chrono::seconds limit) {
    try {
        co_await corio::wait_for(main_(), limit);
    } catch (const corio::timeout_error&) {
        std::printf("(stopped after %lld seconds; corio::run cancels the jobs still running)\n",
                    static_cast<long long>(limit.count()));
    }
}

}  // namespace

int main(int argc, char** argv) {
    example_time time(argc, argv);
    long limit = 0;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--for") == 0) limit = std::atol(argv[i + 1]);
        if (std::strcmp(argv[i], "--seed") == 0) rng.seed(static_cast<unsigned>(std::atol(argv[i + 1])));
    }
    if (limit > 0)
        corio::run(run_for(std::chrono::seconds(limit)), time.options());
    else
        corio::run(main_(), time.options());
}
