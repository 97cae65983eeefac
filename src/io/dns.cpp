// getaddrinfo off the loop thread, on the loop's default executor (glibc's
// resolver blocks and has no portable asynchronous form). The job touches
// only its own copies of the arguments; executor jobs count as external
// work, so virtual time does not jump past a lookup.
#include "corio/io/dns.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>

#include "corio/loop.hpp"
#include "corio/threads/executor.hpp"
#include "sockaddr.hpp"

namespace corio {
namespace {

class gai_error_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "getaddrinfo"; }
    std::string message(int code) const override { return ::gai_strerror(code); }
};

// Runs on an executor thread.
std::vector<address_info> blocking_lookup(const std::string& host, std::uint16_t port, getaddrinfo_options options) {
    addrinfo hints{};
    hints.ai_family = options.family;
    hints.ai_socktype = options.type;
    hints.ai_protocol = options.proto;
    hints.ai_flags = options.flags | AI_NUMERICSERV;
    const std::string service = std::to_string(port);
    addrinfo* res = nullptr;
    const int status = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
    if (status == EAI_SYSTEM) throw std::system_error(errno, std::generic_category(), "getaddrinfo(" + host + ")");
    if (status != 0) throw std::system_error(status, gai_category(), "getaddrinfo(" + host + ")");
    struct release {
        addrinfo* p;
        ~release() { ::freeaddrinfo(p); }
    } guard{res};
    std::vector<address_info> results;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        address_info info;
        static_cast<endpoint&>(info) = io::detail::to_endpoint(ai->ai_addr, ai->ai_addrlen);
        info.family = ai->ai_family;
        info.socktype = ai->ai_socktype;
        info.protocol = ai->ai_protocol;
        if (ai->ai_canonname) info.canonname = ai->ai_canonname;
        results.push_back(std::move(info));
    }
    return results;
}

}  // namespace

const std::error_category& gai_category() noexcept {
    static const gai_error_category category;
    return category;
}

coro<std::vector<address_info>> getaddrinfo(std::string host, std::uint16_t port, getaddrinfo_options options) {
    co_return co_await get_running_loop().run_in_executor(nullptr, &blocking_lookup, std::move(host), port, options);
}

}  // namespace corio
