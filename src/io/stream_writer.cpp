#include "corio/io/stream_writer.hpp"

#include <cerrno>
#include <system_error>

#include "corio/io/detail/stream_transport.hpp"

namespace corio {
namespace {

using transport_ptr = std::shared_ptr<detail::stream_transport>;

void throw_if_lost(const detail::stream_transport& t) {
    if (t.write_error()) throw std::system_error(t.write_error(), std::generic_category(), "write");
}

coro<void> do_drain(transport_ptr tp) {
    detail::stream_transport& t = *tp;
    throw_if_lost(t);
    while (t.write_paused()) {
        detail::stream_wait w(t.drainers(), "stream_writer.drain");
        co_await w;
        throw_if_lost(t);
    }
}

coro<void> do_wait_closed(transport_ptr tp) {
    detail::stream_transport& t = *tp;
    while (!t.closed()) {
        detail::stream_wait w(t.closers(), "stream_writer.wait_closed");
        co_await w;
    }
}

}  // namespace

void stream_writer::write(std::string_view data) { t_->write(data.data(), data.size()); }
void stream_writer::write(std::span<const std::byte> data) {
    t_->write(reinterpret_cast<const char*>(data.data()), data.size());
}
coro<void> stream_writer::drain() { return do_drain(t_); }
void stream_writer::write_eof() { t_->write_eof(); }
bool stream_writer::can_write_eof() const noexcept { return t_->can_write_eof(); }
void stream_writer::close() { t_->close(); }
bool stream_writer::is_closing() const noexcept { return t_->is_closing(); }
coro<void> stream_writer::wait_closed() { return do_wait_closed(t_); }
void stream_writer::abort() { t_->abort(); }
endpoint stream_writer::peername() const { return t_->peername(); }
endpoint stream_writer::sockname() const { return t_->sockname(); }
int stream_writer::fd() const noexcept { return t_->fd(); }
std::size_t stream_writer::get_write_buffer_size() const noexcept { return t_->write_buffer_size(); }
void stream_writer::set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low) {
    t_->set_write_buffer_limits(high, low.value_or(high / 4));
}

}  // namespace corio
