#include "resp_parser.hpp"

#include <charconv>

namespace redis_lite {

namespace {

// A whole decimal number (no sign allowed but '-'); false if anything else.
bool to_integer(std::string_view s, long long& out) {
    if (s.empty()) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

void resp_parser::reset() noexcept {
    cursor_ = 0;
    expected_ = -1;
    bulk_len_ = -1;
    spans_.clear();
}

resp_parser::result resp_parser::fail(std::string message) {
    error_ = "Protocol error: " + std::move(message);
    reset();
    return result::error;
}

resp_parser::result resp_parser::parse(std::string_view data, std::size_t& pos) {
    args_.clear();
    if (pos >= data.size()) return result::incomplete;
    if (expected_ < 0) {
        if (data[pos] != '*') return parse_inline(data, pos);
        const std::size_t nl = data.find("\r\n", pos + 1);
        if (nl == std::string_view::npos)
            return data.size() - pos > limits_.max_inline ? fail("too big mbulk count string") : result::incomplete;
        long long n = 0;
        if (!to_integer(data.substr(pos + 1, nl - pos - 1), n) || n > static_cast<long long>(limits_.max_args))
            return fail("invalid multibulk length");
        if (n <= 0) {  // "*0" and "*-1" are no command at all, as in redis
            pos = nl + 2;
            return result::command;
        }
        expected_ = n;
        cursor_ = nl + 2 - pos;
    }
    while (static_cast<long long>(spans_.size()) < expected_) {
        if (bulk_len_ < 0) {
            const std::size_t p = pos + cursor_;
            if (p >= data.size()) return result::incomplete;
            if (data[p] != '$') return fail(std::string("expected '$', got '") + data[p] + "'");
            const std::size_t nl = data.find("\r\n", p + 1);
            if (nl == std::string_view::npos)
                return data.size() - p > limits_.max_inline ? fail("too big bulk count string") : result::incomplete;
            long long len = 0;
            if (!to_integer(data.substr(p + 1, nl - p - 1), len) || len < 0 ||
                static_cast<unsigned long long>(len) > limits_.max_bulk_len)
                return fail("invalid bulk length");
            bulk_len_ = len;
            cursor_ = nl + 2 - pos;
        }
        const std::size_t len = static_cast<std::size_t>(bulk_len_);
        if (data.size() - pos < cursor_ + len + 2) return result::incomplete;
        spans_.emplace_back(cursor_, len);
        cursor_ += len + 2;  // redis does not check the CRLF after a bulk either
        bulk_len_ = -1;
    }
    for (const auto& [offset, len] : spans_) args_.emplace_back(data.substr(pos + offset, len));
    pos += cursor_;
    reset();
    return result::command;
}

// "SET k v\r\n": whitespace-separated words on one line ("\n" alone ends it
// too, as in redis). Quoting is not supported.
resp_parser::result resp_parser::parse_inline(std::string_view data, std::size_t& pos) {
    const std::size_t nl = data.find('\n', pos + cursor_);
    if (nl == std::string_view::npos) {
        if (data.size() - pos > limits_.max_inline) return fail("too big inline request");
        cursor_ = data.size() - pos;  // scanned already
        return result::incomplete;
    }
    std::string_view line = data.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (std::size_t i = 0; i < line.size();) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
        if (j > i) args_.emplace_back(line.substr(i, j - i));
        i = j;
    }
    pos = nl + 1;
    cursor_ = 0;
    return result::command;
}

}  // namespace redis_lite
