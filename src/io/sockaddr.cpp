#include "sockaddr.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace corio::io::detail {

std::optional<socket_address> parse_numeric(const std::string& host, std::uint16_t port, int family) {
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    // With AI_NUMERICHOST, getaddrinfo never touches the network or files.
    if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0 || !res) return std::nullopt;
    socket_address a;
    std::memcpy(&a.storage, res->ai_addr, res->ai_addrlen);
    a.length = res->ai_addrlen;
    ::freeaddrinfo(res);
    return a;
}

socket_address for_socket_family(const socket_address& a, int socket_family) {
    if (socket_family != AF_INET6 || a.family() != AF_INET) return a;
    const auto* in = reinterpret_cast<const sockaddr_in*>(&a.storage);
    socket_address m;
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&m.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = in->sin_port;
    in6->sin6_addr.s6_addr[10] = 0xff;
    in6->sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&in6->sin6_addr.s6_addr[12], &in->sin_addr, 4);
    m.length = sizeof(sockaddr_in6);
    return m;
}

endpoint to_endpoint(const sockaddr* sa, socklen_t length) {
    char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {};
    switch (sa->sa_family) {
        case AF_INET: {
            const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
            ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
            return {text, ntohs(in->sin_port)};
        }
        case AF_INET6: {
            // getnameinfo keeps a link-local address's scope ("fe80::1%eth0").
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
            if (::getnameinfo(sa, length, text, sizeof text, nullptr, 0, NI_NUMERICHOST) != 0)
                ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
            return {text, ntohs(in6->sin6_port)};
        }
        case AF_UNIX: {
            const auto* un = reinterpret_cast<const sockaddr_un*>(sa);
            const auto offset = offsetof(sockaddr_un, sun_path);
            if (length <= offset) return {};
            std::size_t n = length - offset;
            if (un->sun_path[0] != '\0') n = ::strnlen(un->sun_path, n);  // abstract names keep their NUL
            return {std::string(un->sun_path, n), 0};
        }
        default:
            return {};
    }
}

void throw_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }
void throw_errno(int err, const std::string& what) { throw std::system_error(err, std::generic_category(), what); }

}  // namespace corio::io::detail
