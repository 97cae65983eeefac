// Signal handlers on the loop: a process-wide sigaction handler writes the
// signal number into the owning loop's self-pipe; the loop reads the pipe and
// schedules the Python-level handler with call_soon.
//
// Why a self-pipe and not signalfd: signalfd needs the signal blocked in
// every thread of the process (threads we do not own included), or the
// kernel may deliver it elsewhere; sigaction + a non-blocking pipe works
// whatever thread receives the signal. The C handler only reads an atomic
// and calls write(), both async-signal-safe, and preserves errno.
#include "corio/io/signals.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>

namespace corio {
namespace {

class signal_dispatcher;

// Per signal: the write end of the owning loop's pipe, plus one (0: none).
std::atomic<int> g_wakeup_fd[NSIG];
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free atomic");

// Which loop owns each signal. Guarded by g_mutex, as are installations.
std::mutex g_mutex;
signal_dispatcher* g_owner[NSIG];
event_loop* g_owner_loop[NSIG];

extern "C" void on_signal(int sig) {
    const int saved = errno;
    const int fd = g_wakeup_fd[sig].load(std::memory_order_relaxed) - 1;
    if (fd >= 0) {
        const auto byte = static_cast<unsigned char>(sig);
        [[maybe_unused]] const auto n = ::write(fd, &byte, 1);  // pipe full: the signal is already pending there
    }
    errno = saved;
}

void check_signal_number(int sig) {
    if (sig <= 0 || sig >= NSIG) throw std::invalid_argument("invalid signal number " + std::to_string(sig));
}

// The loop's half: the self-pipe and the handlers (a loop extension).
class signal_dispatcher final : public io::io_watcher {
public:
    explicit signal_dispatcher(event_loop& loop) : loop_(loop) {
        int fds[2];
        if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) throw std::system_error(errno, std::generic_category(), "pipe2");
        read_fd_ = fds[0];
        write_fd_ = fds[1];
        try {
            loop_.reactor().set_reader(read_fd_, this);
            loop_.count_service_fd(+1);
        } catch (...) {
            ::close(read_fd_);
            ::close(write_fd_);
            throw;
        }
    }
    ~signal_dispatcher() {
        {
            std::lock_guard lock(g_mutex);
            for (int sig = 1; sig < NSIG; ++sig)
                if (g_owner[sig] == this) uninstall(sig);
        }
        loop_.reactor().forget(read_fd_);
        loop_.count_service_fd(-1);
        ::close(read_fd_);
        ::close(write_fd_);
    }
    signal_dispatcher(const signal_dispatcher&) = delete;
    signal_dispatcher& operator=(const signal_dispatcher&) = delete;

    std::uint64_t add(int sig, std::function<void()> fn) {
        auto handler = std::make_shared<entry>(entry{std::move(fn), ++last_id_});
        std::lock_guard lock(g_mutex);
        if (g_owner[sig] && g_owner[sig] != this)
            throw std::runtime_error("signal " + std::to_string(sig) + " is already handled by another event loop");
        if (!g_owner[sig]) {
            struct sigaction sa {};
            sa.sa_handler = on_signal;
            sigemptyset(&sa.sa_mask);
            sa.sa_flags = SA_RESTART;  // other system calls are not interrupted (asyncio: siginterrupt False)
            g_wakeup_fd[sig].store(write_fd_ + 1);
            if (::sigaction(sig, &sa, &previous_[sig]) < 0) {
                const int err = errno;
                g_wakeup_fd[sig].store(0);
                if (err == EINVAL) throw std::runtime_error("signal " + std::to_string(sig) + " cannot be caught");
                throw std::system_error(err, std::generic_category(), "sigaction");
            }
            g_owner[sig] = this;
            g_owner_loop[sig] = &loop_;
        }
        handlers_[sig] = handler;
        return handler->id;
    }

    // id 0: whatever handler is installed.
    bool remove(int sig, std::uint64_t id) {
        std::lock_guard lock(g_mutex);
        if (g_owner[sig] != this) return false;
        if (id != 0 && handlers_[sig]->id != id) return false;
        uninstall(sig);
        return true;
    }

    void on_io(std::uint32_t) override {
        unsigned char buf[64];
        ssize_t n;
        while ((n = ::read(read_fd_, buf, sizeof buf)) > 0)
            for (ssize_t i = 0; i < n; ++i) loop_.call_soon([this, sig = int(buf[i])] { dispatch(sig); });
    }

private:
    struct entry {
        std::function<void()> fn;
        std::uint64_t id;
    };

    void dispatch(int sig) {
        auto it = handlers_.find(sig);
        if (it == handlers_.end()) return;  // removed since the signal arrived
        std::shared_ptr<entry> keep = it->second;  // fn may remove itself
        keep->fn();
    }

    // Called with g_mutex held. The disposition goes back before the pipe is
    // forgotten, so the handler never writes to a stale descriptor.
    void uninstall(int sig) noexcept {
        ::sigaction(sig, &previous_[sig], nullptr);
        g_wakeup_fd[sig].store(0);
        g_owner[sig] = nullptr;
        g_owner_loop[sig] = nullptr;
        handlers_.erase(sig);
    }

    event_loop& loop_;
    int read_fd_ = -1;
    int write_fd_ = -1;
    std::map<int, std::shared_ptr<entry>> handlers_;
    struct sigaction previous_[NSIG] {};
    std::uint64_t last_id_ = 0;
};

std::uint64_t add_handler(event_loop& loop, int sig, std::function<void()> fn) {
    check_signal_number(sig);
    if (!fn) throw std::invalid_argument("add_signal_handler: empty handler");
    return loop.extension<signal_dispatcher>().add(sig, std::move(fn));
}

bool remove_handler(event_loop& loop, int sig, std::uint64_t id) {
    check_signal_number(sig);
    signal_dispatcher* owner;
    {
        std::lock_guard lock(g_mutex);
        if (g_owner_loop[sig] != &loop) return false;
        owner = g_owner[sig];
    }
    return owner->remove(sig, id);
}

}  // namespace

void event_loop::add_signal_handler(int sig, std::function<void()> fn) {
    check_open();
    add_handler(*this, sig, std::move(fn));
}

bool event_loop::remove_signal_handler(int sig) { return remove_handler(*this, sig, 0); }

namespace detail {

sigint_guard::sigint_guard(event_loop& loop, task_base& main) : loop_(loop), main_(main) {
    // As asyncio.Runner: only on the main thread, and only if nobody else
    // (the program, another library, another loop) has claimed SIGINT.
    if (::getpid() != ::gettid()) return;
    struct sigaction current {};
    if (::sigaction(SIGINT, nullptr, &current) < 0 || current.sa_handler != SIG_DFL) return;
    try {
        id_ = add_handler(loop, SIGINT, [this] {
            interrupted_ = true;
            uninstall();  // a second Ctrl-C gets the default action
            if (!main_.done()) main_.cancel();
        });
    } catch (const std::exception&) {
        id_ = 0;  // cannot handle SIGINT here: leave it alone
    }
}

sigint_guard::~sigint_guard() { uninstall(); }

void sigint_guard::uninstall() noexcept {
    if (id_ == 0) return;
    try {
        remove_handler(loop_, SIGINT, std::exchange(id_, 0));
    } catch (...) {
    }
}

void sigint_guard::finish() {
    uninstall();
    if (interrupted_ && main_.cancelled() && main_.uncancel() == 0) throw keyboard_interrupt();
}

}  // namespace detail
}  // namespace corio
