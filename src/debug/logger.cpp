#include "corio/debug/logger.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "corio/coro.hpp"
#include "corio/loop.hpp"

namespace corio {
namespace {

std::mutex& logger_mutex() {
    static std::mutex m;
    return m;
}
logger& installed() {
    static logger l;
    return l;
}

}  // namespace

logger set_logger(logger fn) {
    std::lock_guard lock(logger_mutex());
    return std::exchange(installed(), std::move(fn));
}

void log(std::string_view message) {
    logger l;
    {
        std::lock_guard lock(logger_mutex());
        l = installed();
    }
    if (l) {
        l(message);
    } else {
        std::string line(message);
        line += '\n';
        std::fputs(line.c_str(), stderr);
    }
}

bool debug_from_environment() noexcept {
    const char* v = std::getenv("CORIO_DEBUG");
    return v && *v && std::strcmp(v, "0") != 0;
}

namespace detail {

void report_never_awaited(detail::source_location where) noexcept {
    const bool debug = current.loop ? static_cast<event_loop*>(current.loop)->get_debug() : debug_from_environment();
    if (!debug) return;
    try {
        log(std::string("coroutine '") + where.function_name() + "' (" + where.file_name() + ":" +
            std::to_string(where.line()) + ") was never awaited");
    } catch (...) {
    }
}

}  // namespace detail
}  // namespace corio
