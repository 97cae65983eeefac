// corio/errors.hpp: the exceptions corio throws, named after asyncio's.
//
// cancelled_error mirrors asyncio.CancelledError, which derives from
// BaseException: it does NOT derive from std::exception, so
// `catch (const std::exception&)` never swallows a cancellation. Every other
// error is a std::exception (timeout_error ~ TimeoutError, invalid_state_error
// ~ InvalidStateError, exception_group ~ ExceptionGroup, ...). OS failures are
// std::system_error carrying the errno.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace corio {

class cancelled_error {
public:
    cancelled_error() = default;
    explicit cancelled_error(std::string message) : message_(std::move(message)) {}
    const std::string& message() const noexcept { return message_; }
    const char* what() const noexcept { return message_.empty() ? "cancelled" : message_.c_str(); }

private:
    std::string message_;
};

class timeout_error : public std::runtime_error {
public:
    timeout_error() : std::runtime_error("timed out") {}
    using std::runtime_error::runtime_error;
};

// Misuse of a future, task or coroutine (result() while pending, set_result
// twice, awaiting a coroutine twice): asyncio's InvalidStateError.
class invalid_state_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

// Raised by task_group::join(): every non-cancellation failure of its children.
class exception_group : public std::exception {
public:
    exception_group(std::string message, std::vector<std::exception_ptr> exceptions);
    const char* what() const noexcept override { return what_.c_str(); }
    const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }

private:
    std::string what_;
    std::vector<std::exception_ptr> exceptions_;
};

class incomplete_read_error : public std::runtime_error {
public:
    incomplete_read_error(std::string partial, std::size_t expected);
    const std::string& partial() const noexcept { return partial_; }
    std::size_t expected() const noexcept { return expected_; }

private:
    std::string partial_;
    std::size_t expected_;
};

class limit_overrun_error : public std::runtime_error {
public:
    limit_overrun_error(const std::string& message, std::size_t consumed)
        : std::runtime_error(message), consumed_(consumed) {}
    std::size_t consumed() const noexcept { return consumed_; }

private:
    std::size_t consumed_;
};

class queue_empty : public std::runtime_error {
public:
    queue_empty() : std::runtime_error("queue is empty") {}
};

class queue_full : public std::runtime_error {
public:
    queue_full() : std::runtime_error("queue is full") {}
};

class queue_shutdown : public std::runtime_error {
public:
    queue_shutdown() : std::runtime_error("queue is shut down") {}
};

class broken_barrier_error : public std::runtime_error {
public:
    broken_barrier_error() : std::runtime_error("barrier is broken") {}
};

}  // namespace corio
