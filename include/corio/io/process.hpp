// corio/io/process.hpp: child processes (asyncio.create_subprocess_exec,
// create_subprocess_shell and asyncio.subprocess.Process).
//
//   std::vector<std::string> args{"-l"};
//   auto proc = co_await corio::create_subprocess_exec("ls", args, {.stdout_ = corio::pipe});
//   auto [out, err] = co_await proc.communicate();   // communicate("input") feeds stdin
//   int code = co_await proc.wait();                 // -N if killed by signal N
//
// The program is looked up in PATH (execvp); a program that cannot be run
// (missing, not executable, bad cwd) throws std::system_error with the errno
// from create_subprocess_exec itself (glibc's posix_spawn reports the exec
// failure to the parent), never a child that silently exits 127. The shell
// form runs `/bin/sh -c cmd`, where a missing command is exit status 127.
// proc.stdin_ is a stream_writer and proc.stdout_ / proc.stderr_ are
// stream_readers when the option is corio::pipe; otherwise they are empty
// (`if (proc.stdout_)` is false, and `proc.stdout_->...` throws
// std::logic_error). Children get SIGPIPE and SIGXFSZ back at their default
// action and no descriptor beyond 0-2 (as Python's restore_signals and
// close_fds).
// Reaping: every child is watched through a pidfd on the loop's reactor and
// reaped as soon as it exits, whether or not anyone waits, so no zombie is
// left. A child still running when its loop closes is killed (SIGKILL) and
// reaped, and reported in the log, as asyncio kills it when the transport
// is closed. Needs Linux 5.3+ (pidfd_open).
// Cancellation: a cancelled wait() leaves the child running and watched (a
// later wait() still gets the status). A cancelled communicate() cancels its
// reads and its write to stdin; bytes already read are lost, and the child
// keeps running. create_subprocess_* do not suspend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corio/coro.hpp"
#include "corio/io/stream_reader.hpp"
#include "corio/io/stream_writer.hpp"

namespace corio {

// Where a child's standard stream goes: asyncio.subprocess.PIPE, DEVNULL,
// STDOUT (stderr only), None (inherit), or a file descriptor (an int converts).
class stdio_redirect {
public:
    enum class kind : std::uint8_t { inherit, pipe, devnull, to_stdout, fd };
    constexpr stdio_redirect() noexcept = default;
    constexpr stdio_redirect(int fd) noexcept : kind_(kind::fd), fd_(fd) {}  // NOLINT: implicit on purpose
    constexpr explicit stdio_redirect(kind k) noexcept : kind_(k) {}
    constexpr kind what() const noexcept { return kind_; }
    constexpr int fd() const noexcept { return fd_; }

private:
    kind kind_ = kind::inherit;
    int fd_ = -1;
};

inline constexpr stdio_redirect pipe{stdio_redirect::kind::pipe};
inline constexpr stdio_redirect devnull{stdio_redirect::kind::devnull};
inline constexpr stdio_redirect to_stdout{stdio_redirect::kind::to_stdout};  // .stderr_ = corio::to_stdout
inline constexpr stdio_redirect inherit{};

// Trivially copyable on purpose (see datagram_options): the strings are
// copied when create_subprocess_* is called, so they may be temporaries.
struct process_options {
    stdio_redirect stdin_{};
    stdio_redirect stdout_{};
    stdio_redirect stderr_{};
    std::string_view cwd{};  // "" = this process's working directory
    // "NAME=value" entries replacing the environment; nullopt inherits it.
    std::optional<std::span<const std::string>> env{};
    bool start_new_session = false;  // setsid() in the child
    std::size_t limit = stream_reader::default_limit;  // buffer limit of stdout_ / stderr_
};

// A stream of the child that may be absent (None in Python): inherits the
// stream's interface, and adds emptiness checks.
template <class Stream>
class process_stream : public Stream {
public:
    process_stream() : Stream(std::shared_ptr<detail::stream_transport>()) {}
    explicit process_stream(Stream s) : Stream(std::move(s)) {}

    bool has_value() const noexcept { return this->transport() != nullptr; }
    explicit operator bool() const noexcept { return has_value(); }
    Stream& value() {
        check();
        return *this;
    }
    Stream& operator*() { return value(); }
    Stream* operator->() { return &value(); }

private:
    void check() const {
        if (!has_value()) throw std::logic_error("this child stream is not a pipe (create the process with corio::pipe)");
    }
};

namespace detail {
struct child_state;
}

class process {
public:
    process(process&&) noexcept;
    process& operator=(process&&) noexcept;
    ~process();

    int pid() const noexcept;
    // nullopt while running; the exit status, or -N when killed by signal N.
    std::optional<int> returncode() const noexcept;

    // Waits for the child to exit and returns returncode(). With stdout_ /
    // stderr_ piped, a child that writes a lot blocks until someone reads:
    // use communicate() (as asyncio warns).
    coro<int> wait();
    // Writes `input` to stdin_ (which must then be a pipe) and closes it,
    // reads stdout_ and stderr_ to EOF concurrently, then waits. Returns
    // {out, err}; "" for a stream that is not piped. A child that exits
    // without reading its input is not an error (EPIPE is ignored).
    coro<std::pair<std::string, std::string>> communicate(std::string_view input = {});

    // No-op once the child has been reaped. std::system_error for an invalid signal.
    void send_signal(int sig);
    void terminate();  // SIGTERM
    void kill();       // SIGKILL

    process_stream<stream_writer> stdin_;
    process_stream<stream_reader> stdout_;
    process_stream<stream_reader> stderr_;

private:
    friend struct process_factory;
    explicit process(std::shared_ptr<detail::child_state> s) noexcept;
    std::shared_ptr<detail::child_state> s_;
};

// `args` are the arguments after the program (argv[1..]).
coro<process> create_subprocess_exec(std::string_view program, std::span<const std::string> args = {},
                                     const process_options& options = {});
coro<process> create_subprocess_shell(std::string_view cmd, const process_options& options = {});

}  // namespace corio
