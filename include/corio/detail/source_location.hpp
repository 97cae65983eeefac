// A detail::source_location stand-in: clang 14 with libstdc++ 12 has no
// detail::source_location, but both compilers have the builtins behind it.
#pragma once

namespace corio::detail {

struct source_location {
    static constexpr source_location current(const char* file = __builtin_FILE(),
                                             const char* function = __builtin_FUNCTION(),
                                             unsigned line = __builtin_LINE()) noexcept {
        return source_location{file, function, line};
    }
    constexpr const char* file_name() const noexcept { return file_; }
    constexpr const char* function_name() const noexcept { return function_; }
    constexpr unsigned line() const noexcept { return line_; }
    constexpr bool known() const noexcept { return line_ != 0; }

    const char* file_ = "";
    const char* function_ = "";
    unsigned line_ = 0;
};

}  // namespace corio::detail
