// The README's example (kept here so that CI compiles it).
#include <corio/corio.hpp>
#include <cstdio>
#include <string>
using namespace std::chrono_literals;

corio::coro<std::string> brew_coffee() {
    std::puts("Start brewCoffee()");
    co_await corio::sleep(3s);
    std::puts("End brewCoffee()");
    co_return "Coffee ready";
}

corio::coro<std::string> toast_bagel() {
    std::puts("Start toastBagel()");
    co_await corio::sleep(2s);
    std::puts("End toastBagel()");
    co_return "Bagel toasted";
}

corio::coro<void> main_() {
    auto [coffee, bagel] = co_await corio::gather(brew_coffee(), toast_bagel());
    std::printf("%s, %s\n", coffee.c_str(), bagel.c_str());  // 3 s, not 5
}

int main() { corio::run(main_()); }
