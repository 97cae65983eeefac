// redis_lite's request parser: RESP arrays of bulk strings ("*2\r\n$3\r\nGET\r\n
// $1\r\nk\r\n") and inline commands ("PING\r\n"), parsed in place: the
// arguments are string_views into the caller's buffer, no copy is made.
//
// It is resumable: a command cut between two reads keeps its progress as
// offsets from its first byte, so only the new bytes are parsed, whatever
// the size of the command, and the caller may move the unconsumed bytes
// (e.g. compact its buffer) between calls. Limits as redis's: a bulk string
// longer than max_bulk_len, more than max_args arguments, a count that is not
// a number of at most 18 digits, or an inline command line over max_inline
// bytes is a protocol error, found before anything is buffered for it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redis_lite {

struct parse_limits {
    std::size_t max_bulk_len = 512 * 1024 * 1024;  // redis's proto-max-bulk-len
    std::size_t max_args = 1024 * 1024;
    std::size_t max_inline = 64 * 1024;            // redis's PROTO_INLINE_MAX_SIZE
};

class resp_parser {
public:
    enum class result { command, incomplete, error };

    explicit resp_parser(parse_limits limits = {}) : limits_(limits) {}

    // Parses the command that starts at data[pos]. On `command`, args() views
    // into `data` and pos is past the command (an empty command, such as a
    // blank inline line, has no args). On `incomplete`, call again with the
    // same bytes from pos on and more after them. On `error`, error() says
    // why (redis's "Protocol error: ..." text); the connection is unusable.
    result parse(std::string_view data, std::size_t& pos);

    const std::vector<std::string_view>& args() const noexcept { return args_; }
    const std::string& error() const noexcept { return error_; }

private:
    result parse_inline(std::string_view data, std::size_t& pos);
    result fail(std::string message);
    void reset() noexcept;

    parse_limits limits_;
    // Progress through the current command, relative to its first byte.
    std::size_t cursor_ = 0;
    long long expected_ = -1;  // arguments announced by the '*' header; -1 before it
    long long bulk_len_ = -1;  // length from the pending '$' header; -1 before it
    std::vector<std::pair<std::size_t, std::size_t>> spans_;  // (offset, length) of each argument
    std::vector<std::string_view> args_;
    std::string error_;
};

}  // namespace redis_lite
