// Where a coroutine was defined, for reports and the task tree.
// std::source_location where the compiler has it (one pointer per frame);
// clang 14 with libstdc++ 12 lacks it, so there the same builtins fill a
// small struct of our own. CORIO_CURRENT_LOCATION() must appear directly in
// a default argument to name the caller.
#pragma once

#if defined(__has_builtin)
#if __has_builtin(__builtin_source_location)
#define CORIO_HAS_STD_SOURCE_LOCATION 1
#endif
#endif

#ifdef CORIO_HAS_STD_SOURCE_LOCATION
#include <source_location>
#endif

namespace corio::detail {

#ifdef CORIO_HAS_STD_SOURCE_LOCATION
using source_location = std::source_location;
#define CORIO_CURRENT_LOCATION() ::std::source_location::current()
#else
struct source_location {
    static constexpr source_location current(const char* file = __builtin_FILE(),
                                             const char* function = __builtin_FUNCTION(),
                                             unsigned line = __builtin_LINE()) noexcept {
        return source_location{file, function, line};
    }
    constexpr const char* file_name() const noexcept { return file_; }
    constexpr const char* function_name() const noexcept { return function_; }
    constexpr unsigned line() const noexcept { return line_; }

    const char* file_ = "";
    const char* function_ = "";
    unsigned line_ = 0;
};
#define CORIO_CURRENT_LOCATION() ::corio::detail::source_location::current()
#endif

constexpr bool known(const source_location& l) noexcept { return l.line() != 0; }

}  // namespace corio::detail
