// Seed 001, create_task + gather: two tasks sleep 1 s and 2 s at the same
// time, so the whole run takes 2 seconds, not 3.
//
//   async def sleep(sec):
//       await asyncio.sleep(sec)
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
//   print('total time : {0:.2f} sec'.format(end - start))  # total time : 2.00 sec
//
// Runs on the virtual clock unless given --real-time or --scale X (every
// duration times X: with 0.1 the total time is 0.20 sec).
#include <cstdio>
#include <string>
#include <vector>

#include "example_time.hpp"

static example_time* pace;

corio::coro<int> sleep(int sec) {
    co_await corio::sleep(pace->seconds(sec));
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

    corio::event_loop loop(time.options());
    const auto start = loop.time();
    std::vector<int> result = loop.run_until_complete(main_());
    const auto end = loop.time();
    loop.close();

    std::printf("result : %s\n", format_list(result).c_str());
    std::printf("total time : %.2f sec\n", corio::to_seconds(end - start));
}
