// The shared state behind future<T> and task<T> (asyncio.Future): pending,
// cancelled or finished (an exception is also "finished"), plus the ordered
// list of things to do on completion. Completion never runs anything inline:
// awaiting tasks and done callbacks are put on the ready queue, as asyncio's
// call_soon does.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "corio/detail/frame_allocator.hpp"
#include "corio/detail/result_slot.hpp"
#include "corio/detail/scheduler.hpp"
#include "corio/errors.hpp"

namespace corio::detail {

class future_base;

// One entry of a future's completion list, in registration order. Intrusive
// and doubly linked so that waiters and callbacks can leave in O(1).
class completion_node {
public:
    completion_node() = default;
    completion_node(const completion_node&) = delete;
    completion_node& operator=(const completion_node&) = delete;
    virtual void on_done(future_base& f) = 0;
    bool linked() const noexcept { return owner_ != nullptr; }
    // The future this node waits on, while linked.
    future_base* watched() const noexcept { return owner_; }
    inline void unlink() noexcept;

protected:
    ~completion_node() { unlink(); }

private:
    friend class future_base;
    completion_node* prev_ = nullptr;
    completion_node* next_ = nullptr;
    future_base* owner_ = nullptr;
};

// Something that waits for many futures at once (gather) without a node per
// future: a future's first such waiter is kept in the list head itself,
// tagged. Only a second waiter on the same future turns the head back into a
// list, and then the fan-in provides a node to stand for it.
class fan_in {
public:
    virtual void child_done(future_base& f) = 0;
    // A node (owned by the fan-in) that calls child_done(f).
    virtual completion_node* spill(future_base& f) = 0;

protected:
    ~fan_in() = default;
};

enum class future_status : std::uint8_t { pending, cancelled, finished };

class future_base : public pooled {
public:
    explicit future_base(scheduler* loop) noexcept : loop_(loop) {}
    future_base(const future_base&) = delete;
    future_base& operator=(const future_base&) = delete;
    virtual ~future_base() {
        if (head_) drop_completions();
        if (failed_ && !retrieved_) report_unretrieved();
    }

    void add_ref() noexcept { ++refs_; }
    void release() noexcept {
        if (--refs_ == 0) delete this;
    }

    bool done() const noexcept { return status_ != future_status::pending; }
    bool cancelled() const noexcept { return status_ == future_status::cancelled; }
    future_status status() const noexcept { return status_; }
    scheduler* loop() const noexcept { return loop_; }

    // asyncio's cancel(): false if already done. Overridden by tasks (which
    // deliver the request into the coroutine) and by gather (which cancels
    // its children).
    virtual bool cancel(std::string message = {});

    void set_exception(std::exception_ptr e);
    // Someone has taken responsibility for this future's failure (a gather
    // that already failed): never report it as "never retrieved".
    void mark_retrieved() noexcept { retrieved_ = true; }
    // Finished with an exception (not yet marked as retrieved by this call).
    bool has_exception() const noexcept { return failed_; }
    // The exception, or null; throws cancelled_error / invalid_state_error as asyncio does.
    std::exception_ptr exception();
    // Throws what result() must throw before producing the value.
    void check_result() {
        if (status_ == future_status::finished && !failed_) {
            retrieved_ = true;
            return;
        }
        check_result_slow();
    }
    const std::string& cancel_message() const noexcept;

    inline void add_completion(completion_node* node);
    // Watches this future on behalf of g: g->child_done(*this) on completion.
    void add_fan_in(fan_in* g) {
        if (!head_)
            head_ = fan_in_tag(g);
        else
            add_completion(g->spill(*this));
    }
    // Forgets g's watch (g is going away while this future is pending).
    void remove_fan_in(fan_in* g) noexcept {
        if (head_ == fan_in_tag(g)) head_ = nullptr;
    }
    std::uint64_t add_done_callback(std::function<void(future_base&)> fn);
    bool remove_done_callback(std::uint64_t id) noexcept;

    // Human-readable kind for the task tree ("future", "gather", ...).
    virtual const char* kind() const noexcept { return "future"; }

protected:
    void check_result_slow();
    void ensure_pending(const char* what) const;
    // Reports a failure nobody looked at (once); called on destruction.
    void report_unretrieved() noexcept;
    // Forgets the completion list without running it, freeing the callbacks.
    void drop_completions() noexcept;
    // Moves to a final state and schedules the completion list.
    void finish(future_status s) noexcept {
        status_ = s;
        if (head_) run_completions();
    }
    // The same, for a caller that holds a reference throughout.
    void finish_held(future_status s) noexcept {
        status_ = s;
        if (!head_) return;
        if (fan_in* g = lone_fan_in()) {  // a task in a gather, typically
            head_ = nullptr;
            g->child_done(*this);
        } else {
            run_completion_list();
        }
    }
    void set_cancel_message(std::string message);

    // What few futures need lives out of line, so that a task stays small
    // (a million of them must fit in cache as well as they can). A failure
    // is rare and costly anyway (the exception was allocated and thrown).
    struct extras {
        std::exception_ptr error;  // set with failed_
        std::string cancel_message;
        std::optional<std::string> task_name;  // tasks only; default "Task-<id>"
    };
    // Records exception e; the caller sets the status and runs the completions.
    void store_exception(std::exception_ptr e) {
        ensure_extras().error = std::move(e);
        failed_ = true;
    }
    const std::exception_ptr& stored_exception() const noexcept { return extras_->error; }
    extras& ensure_extras() {
        if (!extras_) extras_ = std::make_unique<extras>();
        return *extras_;
    }

    scheduler* loop_;
    std::unique_ptr<extras> extras_;
    std::uint32_t refs_ = 1;
    future_status status_ = future_status::pending;
    bool failed_ : 1 = false;  // finished with an exception (in extras_)
    bool retrieved_ : 1 = false;
    // Tasks only (task_base), kept here to fill the padding.
    bool must_cancel_ : 1 = false;
    bool first_step_ : 1 = true;
    bool parked_ : 1 = false;
    std::uint16_t cancel_requests_ = 0;  // saturates

private:
    friend class completion_node;
    void run_completions() noexcept {
        add_ref();  // a node may drop the last outside reference
        run_completion_list();
        release();
    }
    void run_completion_list() noexcept;
    // Singly linked forward, with head_->prev_ pointing at the tail: FIFO
    // appends and O(1) removal from one pointer. Or, tagged in its low bit, a
    // lone fan_in (see there).
    completion_node* head_ = nullptr;

    static completion_node* fan_in_tag(fan_in* g) noexcept {
        return reinterpret_cast<completion_node*>(reinterpret_cast<std::uintptr_t>(g) | 1);
    }
    fan_in* lone_fan_in() const noexcept {
        const auto bits = reinterpret_cast<std::uintptr_t>(head_);
        return bits & 1 ? reinterpret_cast<fan_in*>(bits & ~std::uintptr_t(1)) : nullptr;
    }
    // Turns a lone fan_in back into a node of the list.
    void spill_fan_in();
};

inline void future_base::add_completion(completion_node* node) {
    if (lone_fan_in()) [[unlikely]]
        spill_fan_in();  // keeps the fan-in first: completions run in registration order
    node->owner_ = this;
    node->next_ = nullptr;
    if (head_) {
        node->prev_ = head_->prev_;
        head_->prev_->next_ = node;
        head_->prev_ = node;
    } else {
        node->prev_ = node;
        head_ = node;
    }
}

[[gnu::always_inline]] inline void completion_node::unlink() noexcept {
    if (!owner_) return;
    completion_node*& head = owner_->head_;
    if (this == head) {
        head = next_;
        if (head) head->prev_ = prev_;  // the tail
    } else {
        prev_->next_ = next_;
        (next_ ? next_ : head)->prev_ = prev_;
    }
    prev_ = next_ = nullptr;
    owner_ = nullptr;
}

// A future's (or task's) state plus its value.
template <class T, class Base = future_base>
class future_state : public Base {
public:
    using Base::Base;

    template <class... U>
    void set_result(U&&... v) {
        this->ensure_pending("set_result");
        if constexpr (!std::is_void_v<T>) slot_.set(std::forward<U>(v)...);
        this->finish(future_status::finished);
    }
    decltype(auto) result() {
        this->check_result();
        return slot_.get();
    }
    decltype(auto) take_result() {
        this->check_result();
        return slot_.take();
    }

protected:
    [[no_unique_address]] result_slot<T> slot_;
};

struct adopt_ref_t {
    explicit adopt_ref_t() = default;
};
inline constexpr adopt_ref_t adopt_ref{};

// Intrusive strong reference to a future state.
template <class S>
class state_ref {
public:
    state_ref() = default;
    explicit state_ref(S* s, bool adopt = false) noexcept : s_(s) {
        if (s_ && !adopt) s_->add_ref();
    }
    state_ref(const state_ref& o) noexcept : s_(o.s_) {
        if (s_) s_->add_ref();
    }
    state_ref(state_ref&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
    state_ref& operator=(state_ref o) noexcept {
        std::swap(s_, o.s_);
        return *this;
    }
    ~state_ref() {
        if (s_) s_->release();
    }
    S* get() const noexcept { return s_; }
    S* operator->() const noexcept { return s_; }
    explicit operator bool() const noexcept { return s_ != nullptr; }
    friend bool operator==(const state_ref& a, const state_ref& b) noexcept { return a.s_ == b.s_; }

private:
    S* s_ = nullptr;
};

}  // namespace corio::detail
