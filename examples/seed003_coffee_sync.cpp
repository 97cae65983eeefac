// Seed 003, the synchronous version: brewing and toasting one after the
// other takes 3 + 2 = 5 seconds.
//
//   def brewCoffee():                       def main():
//     print("Start brewCoffee()")             start_time = time.time()
//     time.sleep(3)                           result_coffee = brewCoffee()
//     print("End brewCoffee()")               result_bagel = toastBagel()
//     return "Coffee ready"                   ...
//                                             print(f"Total execution time : {elasped_time:.2f} seconds")
// No event loop here: this is the baseline the async versions beat.
// `--scale X` shortens the blocking sleeps (the tour uses 0.1).
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "example_time.hpp"

static example_time* pace;

std::string brew_coffee() {
    std::printf("Start brewCoffee()\n");
    std::this_thread::sleep_for(pace->seconds(3));
    std::printf("End brewCoffee()\n");
    return "Coffee ready";
}

std::string toast_bagel() {
    std::printf("Start toastBagel()\n");
    std::this_thread::sleep_for(pace->seconds(2));
    std::printf("End toastBagel()\n");
    return "Bagel toasted";
}

int main(int argc, char** argv) {
    example_time time(argc, argv);
    time.real_time = true;  // blocking sleeps only know real time
    pace = &time;
    const auto start_time = std::chrono::steady_clock::now();

    const std::string result_coffee = brew_coffee();
    const std::string result_bagel = toast_bagel();

    const auto elapsed = std::chrono::steady_clock::now() - start_time;
    std::printf("Result of brewCoffee : %s\n", result_coffee.c_str());
    std::printf("Result of toastBagel : %s\n", result_bagel.c_str());
    std::printf("Total execution time : %.2f seconds%s\n", corio::to_seconds(elapsed), time.clock_note().c_str());
}
