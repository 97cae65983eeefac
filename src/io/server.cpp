#include "corio/io/server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "corio/io/detail/readiness_wait.hpp"
#include "corio/io/detail/stream_transport.hpp"
#include "corio/io/detail/stream_wait.hpp"
#include "corio/io/socket.hpp"
#include "corio/io/streams.hpp"
#include "corio/loop.hpp"
#include "corio/sleep.hpp"
#include "stream_resolve.hpp"

namespace corio {
namespace detail {

class server_state : public std::enable_shared_from_this<server_state> {
public:
    struct listener {
        socket sock;
        endpoint address;
        task<void> accept_task;
    };

    client_connected_cb cb;
    server_options options;
    std::vector<listener> listeners;
    std::string unix_path;
    ino_t unix_inode = 0;
    bool serving = false;
    bool closed = false;
    int accept_loops = 0;
    stream_wait_list close_waiters;
    std::vector<std::weak_ptr<stream_transport>> clients;
    std::size_t prune_at = 64;

    void start() {
        if (serving || closed) return;
        serving = true;
        event_loop& loop = get_running_loop();
        for (listener& l : listeners) {
            ++accept_loops;
            l.accept_task = loop.create_task(accept_loop(shared_from_this(), l.sock.fd()),
                                             "server.accept " + to_string(l.address));
        }
    }

    void close() {
        if (closed) return;
        closed = true;
        serving = false;
        // Cancelling drops each loop's interest in its fd at once (or it
        // throws before touching the fd again), so the fds can close now.
        for (listener& l : listeners)
            if (l.accept_task.valid()) l.accept_task.cancel();
        for (listener& l : listeners) l.sock.close();
        listeners.clear();
        if (!unix_path.empty()) {
            struct stat st{};
            if (::stat(unix_path.c_str(), &st) == 0 && st.st_ino == unix_inode) ::unlink(unix_path.c_str());
        }
        close_waiters.wake_all();
    }

    void track(const std::shared_ptr<stream_transport>& t) {
        if (clients.size() >= prune_at) {
            std::erase_if(clients, [](const std::weak_ptr<stream_transport>& w) {
                auto p = w.lock();
                return !p || p->closed();
            });
            prune_at = std::max<std::size_t>(64, clients.size() * 2);
        }
        clients.push_back(t);
    }

    template <class F>
    void for_each_client(F fn) {
        auto snapshot = clients;
        for (auto& w : snapshot)
            if (auto p = w.lock()) fn(*p);
    }

    static coro<void> accept_loop(std::shared_ptr<server_state> st, int fd);
    static coro<void> run_client(std::shared_ptr<server_state> st, stream_reader r, stream_writer w);
    void spawn_client(int fd, const socket_address& peer);
};

namespace {

bool out_of_resources(int err) { return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM; }

// Ends an accept loop's count however the loop ends.
struct accept_loop_guard {
    server_state& st;
    ~accept_loop_guard() {
        if (--st.accept_loops == 0) st.close_waiters.wake_all();
    }
};

}  // namespace

coro<void> server_state::accept_loop(std::shared_ptr<server_state> st, int fd) {
    accept_loop_guard guard{*st};
    event_loop& loop = get_running_loop();
    const int batch = std::clamp(st->options.backlog, 1, 1000);
    for (;;) {
        bool drained = false;
        for (int i = 0; i < batch && !st->closed; ++i) {
            socket_address peer;
            const int c = ::accept4(fd, peer.data(), &peer.size_ref(), SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (c >= 0) {
                try {
                    st->spawn_client(c, peer);
                } catch (const std::exception&) {
                    // This connection could not be set up (no memory, epoll
                    // limit): it is closed; the server keeps accepting.
                    loop.call_exception_handler({"server: could not set up an accepted connection",
                                                 std::current_exception(), {}});
                }
                continue;
            }
            const int err = errno;
            if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
            if (err == EAGAIN || err == EWOULDBLOCK) {
                drained = true;
                break;
            }
            // Out of fds (or another accept error): the listener stays
            // readable, so waiting on it would spin. Report, then stop
            // accepting for a while, as asyncio does.
            loop.call_exception_handler(
                {out_of_resources(err) ? "socket.accept() out of system resource" : "socket.accept() failed",
                 std::make_exception_ptr(std::system_error(err, std::generic_category(), "accept")),
                 {}});
            auto pause = sleep(st->options.accept_retry_delay);
            co_await pause;
            drained = true;  // re-check the fd before waiting on it
            break;
        }
        if (st->closed) co_return;
        if (!drained) {
            // A full batch: let other tasks run before accepting more.
            auto yield = sleep(std::chrono::seconds(0));
            co_await yield;
            continue;
        }
        readiness_wait w(fd, io::readable, "server.accept");
        co_await w;
    }
}

void server_state::spawn_client(int fd, const socket_address& peer) {
    if (peer.family() == AF_INET || peer.family() == AF_INET6) {
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    socket_address local;
    ::getsockname(fd, local.data(), &local.size_ref());
    endpoint peer_ep, local_ep;
    try {
        peer_ep = peer.to_endpoint();
        local_ep = local.to_endpoint();
    } catch (...) {
        ::close(fd);
        throw;
    }
    stream_pair streams = make_socket_streams(fd, options.limit, std::move(peer_ep), std::move(local_ep));
    track(streams.second.transport());
    auto c = run_client(shared_from_this(), std::move(streams.first), std::move(streams.second));
    get_running_loop().create_task(std::move(c), "server.client " + to_string(peer.to_endpoint()));
}

coro<void> server_state::run_client(std::shared_ptr<server_state> st, stream_reader r, stream_writer w) {
    try {
        auto handler = st->cb(r, w);
        co_await std::move(handler);
    } catch (const cancelled_error&) {
        throw;
    } catch (...) {
        get_running_loop().call_exception_handler(
            {"Unhandled exception in client_connected_cb", std::current_exception(), current_task()});
        w.close();
    }
}

namespace {

socket open_listener(const socket_address& a, const server_options& o) {
    socket s(a.family(), SOCK_STREAM);
    if (o.reuse_address && a.family() != AF_UNIX) s.set_option(SOL_SOCKET, SO_REUSEADDR, 1);
    if (o.reuse_port) s.set_option(SOL_SOCKET, SO_REUSEPORT, 1);
    // One socket per family, as asyncio: no dual-stack IPv6 socket.
    if (a.family() == AF_INET6) s.set_option(IPPROTO_IPV6, IPV6_V6ONLY, 1);
    s.bind(a);
    s.listen(o.backlog);
    return s;
}

}  // namespace
}  // namespace detail

coro<server> start_server(client_connected_cb cb, std::string host, int port, server_options options) {
    if (!cb) throw std::invalid_argument("start_server: no client_connected_cb");
    const std::uint16_t p = detail::checked_port(port);
    auto resolving = detail::resolve_stream_host(host, p, true);
    std::vector<socket_address> addresses = co_await std::move(resolving);
    auto st = std::make_shared<detail::server_state>();
    st->cb = std::move(cb);
    st->options = options;
    std::exception_ptr last_error;
    std::uint16_t chosen = p;
    for (socket_address a : addresses) {
        if (chosen) a.set_port(chosen);
        socket s;
        try {
            s = detail::open_listener(a, options);
        } catch (const std::system_error& e) {
            if (e.code().value() == EADDRINUSE && p == 0 && chosen != 0) {
                // The first socket's port is taken in this family: any port.
                a.set_port(0);
                try {
                    s = detail::open_listener(a, options);
                } catch (const std::system_error&) {
                    last_error = std::current_exception();
                    continue;
                }
            } else if (e.code().value() == EADDRNOTAVAIL && addresses.size() > 1) {
                continue;  // this family is not configured here (no ::1, say)
            } else {
                throw;
            }
        }
        const socket_address bound = s.local_address();
        if (!chosen) chosen = bound.port();
        st->listeners.push_back({std::move(s), bound.to_endpoint(), {}});
    }
    if (st->listeners.empty()) {
        if (last_error) std::rethrow_exception(last_error);
        throw std::system_error(EADDRNOTAVAIL, std::generic_category(), "start_server: no address to listen on");
    }
    if (options.start_serving) st->start();
    co_return server(std::move(st));
}

coro<server> start_unix_server(client_connected_cb cb, std::string path, server_options options) {
    if (!cb) throw std::invalid_argument("start_unix_server: no client_connected_cb");
    const socket_address a = socket_address::unix_path(path);
    if (path[0] != '\0') {
        struct stat st{};
        if (::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
    }
    auto st = std::make_shared<detail::server_state>();
    st->cb = std::move(cb);
    st->options = options;
    socket s = detail::open_listener(a, options);
    if (path[0] != '\0') {
        struct stat info{};
        if (::stat(path.c_str(), &info) == 0) {
            st->unix_path = path;
            st->unix_inode = info.st_ino;
        }
    }
    st->listeners.push_back({std::move(s), a.to_endpoint(), {}});
    if (options.start_serving) st->start();
    co_return server(std::move(st));
}

// --- server ------------------------------------------------------------------

std::uint16_t server::port() const { return s_->listeners.empty() ? 0 : s_->listeners.front().address.port; }

std::vector<endpoint> server::sockets() const {
    std::vector<endpoint> out;
    for (const auto& l : s_->listeners) out.push_back(l.address);
    return out;
}

bool server::is_serving() const noexcept { return s_->serving; }

std::size_t server::active_connections() const noexcept {
    std::size_t n = 0;
    for (const auto& w : s_->clients)
        if (auto p = w.lock(); p && !p->closed()) ++n;
    return n;
}

coro<void> server::start_serving() {
    s_->start();
    co_return;
}

coro<void> server::serve_forever() {
    auto st = s_;
    if (st->closed) throw invalid_state_error("serve_forever: the server is closed");
    st->start();
    while (!st->closed) {
        detail::stream_wait w(st->close_waiters, "server.serve_forever");
        try {
            co_await w;
        } catch (const cancelled_error&) {
            st->close();
            throw;
        }
    }
}

void server::close() { s_->close(); }

coro<void> server::wait_closed() {
    auto st = s_;
    while (!st->closed || st->accept_loops > 0) {
        detail::stream_wait w(st->close_waiters, "server.wait_closed");
        co_await w;
    }
}

void server::close_clients() {
    s_->for_each_client([](detail::stream_transport& t) { t.close(); });
}

void server::abort_clients() {
    s_->for_each_client([](detail::stream_transport& t) { t.abort(); });
}

}  // namespace corio
