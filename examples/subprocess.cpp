// Child processes (asyncio.create_subprocess_exec / _shell): capture output,
// feed input, stream line by line, and stop a child with a signal.
#include <corio/corio.hpp>
#include <iostream>

using namespace std::chrono_literals;

corio::coro<int> main_coro() {
    // Capture: ls -l / (the program is looked up in PATH).
    std::vector<std::string> args{"-l", "/"};  // g++ 12 rejects a braced list of strings inside co_await
    auto ls = co_await corio::create_subprocess_exec("ls", args, {.stdout_ = corio::pipe});
    auto [listing, ls_err] = co_await ls.communicate();
    std::cout << "ls exited with " << co_await ls.wait() << ", " << listing.size() << " bytes\n";

    // Feed stdin and read stdout through a shell pipeline.
    auto sort = co_await corio::create_subprocess_shell("sort | uniq -c", {.stdin_ = corio::pipe, .stdout_ = corio::pipe});
    auto [counted, sort_err] = co_await sort.communicate("pear\napple\npear\n");
    std::cout << counted;

    // Stream: read a child's output line by line as it comes.
    auto ticker = co_await corio::create_subprocess_shell("for i in 1 2 3; do echo tick $i; done",
                                                          {.stdout_ = corio::pipe});
    while (true) {
        std::string line = co_await ticker.stdout_.readline();
        if (line.empty()) break;
        std::cout << "got " << line;
    }
    co_await ticker.wait();

    // Stop a long-running child: killed by signal N gives -N.
    std::vector<std::string> forever{"1000"};
    auto sleeper = co_await corio::create_subprocess_exec("sleep", forever);
    sleeper.terminate();
    std::cout << "sleep returned " << co_await sleeper.wait() << "\n";  // -15

    // A program that does not exist is an exception, not exit status 127.
    try {
        co_await corio::create_subprocess_exec("no-such-program");
    } catch (const std::system_error& e) {
        std::cout << "error: " << e.what() << "\n";
    }
    co_return 0;
}

int main() { return corio::run(main_coro()); }
