#include "corio/io/stream_reader.hpp"

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include "corio/errors.hpp"
#include "corio/io/detail/stream_transport.hpp"

namespace corio {
namespace {

using transport_ptr = std::shared_ptr<detail::stream_transport>;

// Ends the "one reader at a time" section however the read leaves.
struct read_section {
    detail::stream_transport& t;
    read_section(detail::stream_transport& tr, const char* op) : t(tr) { t.begin_read(op); }
    ~read_section() { t.end_read(); }
};

[[noreturn]] void throw_read_error(int err) { throw std::system_error(err, std::generic_category(), "read"); }

coro<std::string> do_read(transport_ptr tp, std::ptrdiff_t n) {
    detail::stream_transport& t = *tp;
    if (n == 0) co_return std::string();
    read_section section(t, "read");
    if (n < 0) {
        // To EOF: let the buffer grow by whole chunks, take everything.
        for (;;) {
            if (t.read_error()) throw_read_error(t.read_error());
            if (t.eof()) break;
            if (t.try_fill()) continue;
            detail::stream_wait w(t.readers(), "stream_reader.read: waiting for data");
            co_await w;
        }
        co_return t.rbuf().take(t.rbuf().size());
    }
    while (t.rbuf().empty()) {
        if (t.read_error()) throw_read_error(t.read_error());
        if (t.eof()) co_return std::string();
        if (t.try_fill()) continue;
        detail::stream_wait w(t.readers(), "stream_reader.read: waiting for data");
        co_await w;
    }
    co_return t.rbuf().take(std::min(t.rbuf().size(), static_cast<std::size_t>(n)));
}

coro<std::string> do_readexactly(transport_ptr tp, std::ptrdiff_t n) {
    detail::stream_transport& t = *tp;
    if (n < 0) throw std::invalid_argument("readexactly size can not be less than zero");
    if (n == 0) co_return std::string();
    const auto want = static_cast<std::size_t>(n);
    read_section section(t, "readexactly");
    while (t.rbuf().size() < want) {
        if (t.read_error()) throw_read_error(t.read_error());
        if (t.eof()) {
            std::string partial = t.rbuf().take(t.rbuf().size());
            throw incomplete_read_error(std::move(partial), want);
        }
        if (t.try_fill()) continue;
        detail::stream_wait w(t.readers(), "stream_reader.readexactly: waiting for data");
        co_await w;
    }
    co_return t.rbuf().take(want);
}

// asyncio's readuntil, scanning only the bytes that arrived since last time.
coro<std::string> do_readuntil(transport_ptr tp, std::string sep, const char* op) {
    detail::stream_transport& t = *tp;
    if (sep.empty()) throw std::invalid_argument("separator should be at least one-byte string");
    read_section section(t, op);
    const std::size_t limit = t.limit();
    std::size_t offset = 0;
    for (;;) {
        const std::string_view buf = t.rbuf().view();
        if (buf.size() >= offset + sep.size()) {
            const std::size_t isep = buf.find(sep, offset);
            if (isep != std::string_view::npos) {
                if (isep > limit)
                    throw limit_overrun_error("Separator is found, but chunk is longer than limit", isep);
                co_return t.rbuf().take(isep + sep.size());
            }
            offset = buf.size() + 1 - sep.size();
            if (offset > limit)
                throw limit_overrun_error("Separator is not found, and chunk exceed the limit", offset);
        }
        if (t.read_error()) throw_read_error(t.read_error());
        if (t.eof()) {
            std::string partial = t.rbuf().take(t.rbuf().size());
            throw incomplete_read_error(std::move(partial), 0);
        }
        if (t.try_fill()) continue;
        detail::stream_wait w(t.readers(), "stream_reader.readuntil: waiting for data");
        co_await w;
    }
}

coro<std::string> do_readline(transport_ptr tp) {
    try {
        co_return co_await do_readuntil(tp, "\n", "readline");
    } catch (incomplete_read_error& e) {
        co_return std::string(e.partial());
    } catch (limit_overrun_error& e) {
        // As asyncio: drop the over-long line if its end is here, else all
        // that was buffered, so that the next readline starts afresh.
        detail::byte_buffer& b = tp->rbuf();
        const std::string_view v = b.view();
        if (e.consumed() < v.size() && v[e.consumed()] == '\n')
            b.consume(e.consumed() + 1);
        else
            b.clear();
        throw;
    }
}

}  // namespace

stream_reader::stream_reader(std::size_t limit)
    : t_(detail::stream_transport::create(-1, detail::fd_kind::none, limit)) {}

coro<std::string> stream_reader::read(std::ptrdiff_t n) { return do_read(t_, n); }
coro<std::string> stream_reader::readline() { return do_readline(t_); }
coro<std::string> stream_reader::readexactly(std::ptrdiff_t n) { return do_readexactly(t_, n); }
coro<std::string> stream_reader::readuntil(std::string_view separator) {
    return do_readuntil(t_, std::string(separator), "readuntil");
}

bool stream_reader::at_eof() const noexcept { return t_->eof() && t_->rbuf().empty(); }
std::size_t stream_reader::limit() const noexcept { return t_->limit(); }
void stream_reader::feed_data(std::string_view data) { t_->feed_data(data.data(), data.size()); }
void stream_reader::feed_eof() { t_->feed_eof(); }

}  // namespace corio
