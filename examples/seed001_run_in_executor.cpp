// Seed 001, loop.run_in_executor: the blocking time.sleep runs on the
// default executor's threads, so the two sleeps (1 s and 2 s) overlap and
// the whole run takes 2 seconds, not 3. The threads really block: this one
// always runs on the real clock.
//
//   async def sleep(sec):
//       await loop.run_in_executor(None, time.sleep, sec)  # time.sleep(sec)
//       return sec
//
//   async def main():
//       sec_list = [1, 2]
//       tasks = [asyncio.create_task(sleep(sec)) for sec in sec_list]
//       tasks_results = await asyncio.gather(*tasks)
//       return tasks_results
//
//   start = time.time()
//   loop = asyncio.get_event_loop()
//   result = loop.run_until_complete(main())
//   loop.close()
//   end = time.time()
//   print('result : {}'.format(result))              # result : [1, 2]
//   print('total time : {0:.2f} sec'.format(end - start))  # total time : 2.03 sec
//
// --scale X multiplies every duration (with 0.1 the total time is 0.20 sec).
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "example_time.hpp"

static example_time* pace;

// Python's time.sleep: blocks the calling thread.
static void time_sleep(int sec) { std::this_thread::sleep_for(pace->seconds(sec)); }

corio::coro<int> sleep(int sec) {
    auto& loop = corio::get_running_loop();
    co_await loop.run_in_executor(nullptr, time_sleep, sec);  // time_sleep(sec) on another thread
    co_return sec;
}

corio::coro<std::vector<int>> main_() {
    std::vector<int> sec_list = {1, 2};
    std::vector<corio::task<int>> tasks;
    for (int sec : sec_list) tasks.push_back(corio::create_task(sleep(sec)));
    std::vector<int> tasks_results = co_await corio::gather(tasks);
    co_return tasks_results;
}

// Python's str() of a list of ints: [1, 2]
static std::string format_list(const std::vector<int>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
}

int main(int argc, char** argv) {
    example_time time(argc, argv);
    pace = &time;

    const auto start = std::chrono::steady_clock::now();
    corio::event_loop loop;  // the real clock: the sleeping threads do not know about virtual time
    std::vector<int> result = loop.run_until_complete(main_());
    loop.close();
    const auto end = std::chrono::steady_clock::now();

    std::printf("result : %s\n", format_list(result).c_str());
    std::printf("total time : %.2f sec\n", corio::to_seconds(end - start));
}
