// getaddrinfo off the loop thread.
//
// Each lookup runs on a thread of its own (glibc's resolver blocks and has no
// portable asynchronous form). The worker only touches the job, which holds
// plain data; it hands the job back through call_soon_threadsafe, and
// everything that belongs to the loop (the parked task) is touched on the
// loop thread only. While a lookup runs the loop counts external work, so
// virtual time does not jump past it.
#include "corio/io/dns.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <thread>

#include "corio/detail/awaiter.hpp"
#include "corio/loop.hpp"
#include "loop_link.hpp"
#include "sockaddr.hpp"

namespace corio {
namespace {

class gai_error_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "getaddrinfo"; }
    std::string message(int code) const override { return ::gai_strerror(code); }
};

struct lookup_job {
    // Input.
    std::string host;
    std::string service;
    addrinfo hints{};
    // Output, written by the worker before it posts the job back.
    int status = 0;
    int saved_errno = 0;
    std::vector<address_info> results;
    // Loop thread only: the task waiting for this job.
    class lookup_awaiter* waiter = nullptr;

    void run() noexcept {
        try {
            addrinfo* res = nullptr;
            status = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
            saved_errno = errno;
            if (status != 0) return;
            for (addrinfo* ai = res; ai; ai = ai->ai_next) {
                address_info info;
                static_cast<endpoint&>(info) = io::detail::to_endpoint(ai->ai_addr, ai->ai_addrlen);
                info.family = ai->ai_family;
                info.socktype = ai->ai_socktype;
                info.protocol = ai->ai_protocol;
                if (ai->ai_canonname) info.canonname = ai->ai_canonname;
                results.push_back(std::move(info));
            }
            ::freeaddrinfo(res);
        } catch (...) {
            status = EAI_MEMORY;
        }
    }
};

class lookup_awaiter final : public detail::parked_awaiter {
public:
    explicit lookup_awaiter(std::shared_ptr<lookup_job> job) noexcept : job_(std::move(job)) {}
    ~lookup_awaiter() {
        if (job_->waiter == this) job_->waiter = nullptr;
    }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
        event_loop& loop = get_running_loop();
        auto link = io::detail::link_to(loop);
        loop.begin_external_work();
        try {
            std::thread([job = job_, link] {
                job->run();
                link->post([job] {
                    get_running_loop().end_external_work();
                    if (lookup_awaiter* w = std::exchange(job->waiter, nullptr)) w->finished();
                });
            }).detach();
        } catch (...) {
            loop.end_external_work();
            throw;
        }
        job_->waiter = this;
        park(h);
    }
    void await_resume() { resume_or_throw(cancelled_); }
    void finished() { wake(); }

private:
    bool request_cancel(const std::string&) override {
        if (job_->waiter != this) return false;
        job_->waiter = nullptr;
        cancelled_ = true;
        wake();
        return true;
    }
    std::string describe() const override { return "getaddrinfo(" + job_->host + ")"; }

    std::shared_ptr<lookup_job> job_;
    bool cancelled_ = false;
};

}  // namespace

const std::error_category& gai_category() noexcept {
    static const gai_error_category category;
    return category;
}

coro<std::vector<address_info>> getaddrinfo(std::string host, std::uint16_t port, getaddrinfo_options options) {
    auto job = std::make_shared<lookup_job>();
    job->host = std::move(host);
    job->service = std::to_string(port);
    job->hints.ai_family = options.family;
    job->hints.ai_socktype = options.type;
    job->hints.ai_protocol = options.proto;
    job->hints.ai_flags = options.flags | AI_NUMERICSERV;
    {
        lookup_awaiter wait(job);
        co_await wait;
    }
    if (job->status == EAI_SYSTEM)
        throw std::system_error(job->saved_errno, std::generic_category(), "getaddrinfo(" + job->host + ")");
    if (job->status != 0) throw std::system_error(job->status, gai_category(), "getaddrinfo(" + job->host + ")");
    co_return std::move(job->results);
}

}  // namespace corio
