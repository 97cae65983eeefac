// A bounded producer/consumer pipeline: 3 producers feed jobs into a
// queue of 4 slots (back-pressure: a producer waits while it is full), 2
// workers process them, join() tells when every job is done, and shutdown()
// sends the workers home. Runs on the virtual clock, so the output (with
// loop timestamps) is the same on every run.
//
// asyncio equivalent: asyncio.Queue(maxsize=4), queue.join(), queue.shutdown().
#include <corio/corio.hpp>
#include <corio/sync/queue.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct job {
    std::string name;
    std::chrono::milliseconds cost;
};

struct stats {
    int produced = 0;
    int processed = 0;
    std::chrono::milliseconds busy{0};
};

void say(const std::string& what) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(corio::clock::now().time_since_epoch());
    std::printf("[%4lld ms] %s\n", static_cast<long long>(now.count()), what.c_str());
}

corio::coro<void> producer(corio::queue<job>& jobs, stats& st, int id, int count) {
    for (int i = 1; i <= count; ++i) {
        job j{"p" + std::to_string(id) + "-" + std::to_string(i), std::chrono::milliseconds(10 * (1 + (id + i) % 3))};
        if (jobs.full()) say("producer " + std::to_string(id) + " waits: the queue is full");
        const std::string name = j.name;
        co_await jobs.put(std::move(j));
        ++st.produced;
        say("producer " + std::to_string(id) + " queued " + name + " (" + std::to_string(jobs.qsize()) + "/" +
            std::to_string(jobs.maxsize()) + ")");
        co_await corio::sleep(5ms);  // making the next job takes a moment
    }
    say("producer " + std::to_string(id) + " done");
}

corio::coro<void> worker(corio::queue<job>& jobs, stats& st, int id) {
    for (;;) {
        job j;
        bool stop = false;
        try {
            j = co_await jobs.get();
        } catch (const corio::queue_shutdown&) {
            stop = true;
        }
        if (stop) break;
        say("  worker " + std::to_string(id) + " starts " + j.name);
        co_await corio::sleep(j.cost);
        ++st.processed;
        st.busy += j.cost;
        say("  worker " + std::to_string(id) + " finished " + j.name);
        jobs.task_done();
    }
    say("  worker " + std::to_string(id) + " goes home: the queue is shut down");
}

corio::coro<void> pipeline() {
    constexpr int producers = 3, workers = 2, jobs_each = 3;
    corio::queue<job> jobs(4);
    stats st;

    std::vector<corio::task<void>> crew;
    for (int w = 1; w <= workers; ++w) crew.push_back(corio::create_task(worker(jobs, st, w)));
    std::vector<corio::task<void>> makers;
    for (int p = 1; p <= producers; ++p) makers.push_back(corio::create_task(producer(jobs, st, p, jobs_each)));

    co_await corio::gather(std::move(makers));
    say("all producers done; waiting for the queue to drain");
    co_await jobs.join();
    say("join(): every job has been processed");
    jobs.shutdown();  // graceful: the workers finish and leave
    co_await corio::gather(std::move(crew));

    std::printf("produced %d jobs, processed %d, %lld ms of work in %lld ms with %d workers\n", st.produced,
                st.processed, static_cast<long long>(st.busy.count()),
                static_cast<long long>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(corio::clock::now().time_since_epoch())
                        .count()),
                workers);
}

}  // namespace

int main() { corio::run(pipeline(), {.clock = corio::virtual_clock()}); }
