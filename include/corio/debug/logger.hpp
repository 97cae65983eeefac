// corio/debug/logger.hpp: where corio's reports go ("Task exception was
// never retrieved", "coroutine ... was never awaited", slow callbacks...).
// stderr by default; replace it to capture reports in tests or route them to
// your own logging (asyncio logs them through the `asyncio` logger).
#pragma once

#include <functional>
#include <string_view>

namespace corio {

using logger = std::function<void(std::string_view message)>;

// Installs `fn` (nullptr restores stderr); returns the previous logger.
logger set_logger(logger fn);
void log(std::string_view message);

// True when CORIO_DEBUG=1 is set in the environment.
bool debug_from_environment() noexcept;

}  // namespace corio
