// corio/outcome.hpp: outcome<T>, a value or an exception, which is what
// gather(return_exceptions, ...) gives for each child (asyncio puts the
// exception object itself in the result list).
#pragma once

#include <exception>
#include <optional>
#include <utility>

#include "corio/detail/result_slot.hpp"

namespace corio {

template <class T>
class outcome {
public:
    using value_type = detail::value_or_none<T>;

    outcome() = default;
    explicit outcome(value_type v) : value_(std::move(v)) {}
    explicit outcome(std::exception_ptr e) noexcept : error_(std::move(e)) {}

    bool has_value() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return has_value(); }
    // The value, or rethrows the exception (cancelled_error for a cancelled child).
    value_type& value() & {
        if (error_) std::rethrow_exception(error_);
        return *value_;
    }
    value_type value() && {
        if (error_) std::rethrow_exception(error_);
        return std::move(*value_);
    }
    std::exception_ptr error() const noexcept { return error_; }

private:
    std::optional<value_type> value_;
    std::exception_ptr error_;
};

}  // namespace corio
