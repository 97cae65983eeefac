// corio/gather.hpp: gather (asyncio.gather).
//
// gather is eager, as in asyncio: the call wraps coroutines into tasks and
// schedules them at once, and returns a future of all the results, so
// `auto batch = gather(a(), b());` followed later by `co_await batch` works.
// Results come in argument order: a tuple for a variadic call, a vector for a
// range; void results are corio::none. The first exception propagates to the
// awaiter at once and the other children keep running; with
// `return_exceptions` every child gives an outcome<T> instead.
// Cancellation: cancelling the gather (or the task awaiting it) cancels every
// child; the gather then fails with cancelled_error (as in asyncio, the
// gather future itself never reports cancelled()).
#pragma once

#include <cstddef>
#include <memory>
#include <ranges>
#include <tuple>
#include <utility>
#include <vector>

#include "corio/detail/awaitable_traits.hpp"
#include "corio/outcome.hpp"

namespace corio {

struct return_exceptions_t {
    explicit return_exceptions_t() = default;
};
inline constexpr return_exceptions_t return_exceptions{};

namespace detail {

// The counting and failure logic shared by the tuple and vector forms. The
// gather watches its children as a fan_in: no node per child, so gathering a
// million tasks allocates nothing per task.
template <class R>
class gather_state : public future_state<R>, public fan_in {
public:
    using result_type = R;

    gather_state(scheduler* loop, std::size_t n, bool return_exceptions)
        : future_state<R>(loop), total_(n), return_exceptions_(return_exceptions) {}
    ~gather_state() {
        while (spilled_node* n = spilled_) {
            spilled_ = n->next;
            delete n;
        }
    }

    bool cancel(std::string message = {}) override {
        if (this->done()) return false;
        bool any = false;
        for_each_pending_child([&](future_base& c) { any = c.cancel(message) || any; });
        if (any) cancel_requested_ = true;
        return any;
    }
    const char* kind() const noexcept override { return "gather"; }

protected:
    // Call once the children are stored. Children already done count at
    // once; the others report through their completion list.
    void watch_children() {
        std::size_t done_now = 0;
        try {
            for_each_child([&](future_base& c) {
                if (c.done())
                    ++done_now;
                else
                    c.add_fan_in(this);
            });
        } catch (...) {
            unwatch_children();
            throw;
        }
        if (total_ == 0) this->set_result(collect());
        if (done_now == 0) return;
        // Nothing runs inline, so a child done now was done before. No
        // result is taken early meanwhile: that would drop children this
        // loop has yet to count.
        replaying_ = true;
        for_each_child([&](future_base& c) {
            if (c.done()) child_done(c);
        });
        replaying_ = false;
        if (!this->done()) child_succeeded();
    }
    // For the destructor of the derived class: a child that outlives this
    // gather must not report to it.
    void unwatch_children() noexcept {
        for_each_child([this](future_base& c) { c.remove_fan_in(this); });
    }

    virtual R collect() = 0;
    // A child succeeded (not the last one): results may be taken early.
    virtual void child_succeeded() noexcept {}
    // Calls visit(child, context) for each child still held, in order.
    virtual void visit_children(void (*visit)(future_base&, void*), void* context) = 0;

    template <class T, class S>
    static auto take(S* s) {
        using V = value_or_none<T>;
        if constexpr (std::is_void_v<T>) {
            s->take_result();
            return V{};
        } else {
            return V(s->take_result());
        }
    }
    template <class T, class S>
    static outcome<T> take_outcome(S* s) {
        if (s->cancelled()) return outcome<T>(std::make_exception_ptr(cancelled_error(s->cancel_message())));
        if (auto e = s->exception()) return outcome<T>(e);
        return outcome<T>(take<T>(s));
    }

private:
    // Stands for this gather in a child that has other waiters too.
    struct spilled_node final : completion_node {
        spilled_node(gather_state* g, spilled_node* n) noexcept : owner(g), next(n) {}
        gather_state* owner;
        spilled_node* next;
        void on_done(future_base& f) override { owner->child_done(f); }
    };
    completion_node* spill(future_base&) override { return spilled_ = new spilled_node(this, spilled_); }

    template <class F>
    void for_each_child(F&& fn) {
        visit_children([](future_base& c, void* f) { (*static_cast<std::remove_reference_t<F>*>(f))(c); },
                       std::addressof(fn));
    }

    void child_done(future_base& c) override {
        // The common case: a child succeeded and others are still running.
        if (++finished_ < total_ && c.status() == future_status::finished && !c.has_exception()) {
            if (!replaying_) child_succeeded();
            return;
        }
        child_done_slow(c);
    }
    void child_done_slow(future_base& c) {
        if (this->done()) {
            if (!c.cancelled()) c.exception();  // mark retrieved, as asyncio does
            return;
        }
        if (!return_exceptions_) {
            if (c.cancelled()) {
                // asyncio: the gather fails with the child's cancelled_error
                // (message included); it is not itself marked cancelled.
                this->set_exception(std::make_exception_ptr(cancelled_error(c.cancel_message())));
                mark_late_failures_retrieved();
                return;
            }
            if (c.has_exception()) {
                this->set_exception(c.exception());
                mark_late_failures_retrieved();
                return;
            }
        }
        if (finished_ < total_) return;
        if (cancel_requested_) {
            // Cancelled through cancel(): raise it whatever return_exceptions
            // says (bpo-32684), with the message the children got.
            this->set_exception(std::make_exception_ptr(cancelled_error(c.cancel_message())));
            return;
        }
        try {
            this->set_result(collect());
        } catch (...) {
            this->set_exception(std::current_exception());
        }
    }

    // The gather failed early; the other children go on. Their failures are
    // not to be reported as never retrieved (asyncio's callbacks, which keep
    // the gather alive, mark them). This gather may be gone, and the loop
    // closed, by the time they fail, so they are marked now.
    void mark_late_failures_retrieved() {
        for_each_pending_child([](future_base& c) { c.mark_retrieved(); });
    }

    template <class F>
    void for_each_pending_child(F&& fn) {
        for_each_child([&](future_base& c) {
            if (!c.done()) fn(c);
        });
    }

    spilled_node* spilled_ = nullptr;
    std::size_t total_;
    std::size_t finished_ = 0;
    bool return_exceptions_;
    bool cancel_requested_ = false;
    bool replaying_ = false;  // watch_children() is counting children that were already done
};

template <bool ReturnExceptions, class T>
using gathered_t = std::conditional_t<ReturnExceptions, outcome<T>, value_or_none<T>>;

template <bool ReturnExceptions, class... H>
class tuple_gather final
    : public gather_state<std::tuple<gathered_t<ReturnExceptions, typename H::value_type>...>> {
public:
    using result_type = std::tuple<gathered_t<ReturnExceptions, typename H::value_type>...>;

    explicit tuple_gather(H... children)
        : gather_state<result_type>(&running_scheduler(), sizeof...(H), ReturnExceptions),
          children_(std::move(children)...) {
        this->watch_children();
    }
    ~tuple_gather() { this->unwatch_children(); }

private:
    void visit_children(void (*visit)(future_base&, void*), void* context) override {
        std::apply([&](auto&... c) { (visit(*c.state(), context), ...); }, children_);
    }
    result_type collect() override {
        return std::apply(
            [](auto&... c) {
                if constexpr (ReturnExceptions)
                    return result_type(
                        this_type::template take_outcome<typename H::value_type>(c.state())...);
                else
                    return result_type(this_type::template take<typename H::value_type>(c.state())...);
            },
            children_);
    }
    using this_type = tuple_gather;
    std::tuple<H...> children_;
};

template <bool ReturnExceptions, class H>
class vector_gather final
    : public gather_state<std::vector<gathered_t<ReturnExceptions, typename H::value_type>>> {
public:
    using result_type = std::vector<gathered_t<ReturnExceptions, typename H::value_type>>;

    explicit vector_gather(std::vector<H> children)
        : gather_state<result_type>(&running_scheduler(), children.size(), ReturnExceptions),
          children_(std::move(children)) {
        results_.reserve(children_.size());
        this->watch_children();
    }
    ~vector_gather() { this->unwatch_children(); }

private:
    void visit_children(void (*visit)(future_base&, void*), void* context) override {
        for (auto& c : children_)
            if (c.state()) visit(*c.state(), context);  // results already taken leave null handles
    }
    // Children mostly finish in the order they were given (the loop runs
    // them first in, first out). So the leading results are taken as they
    // come, while each child's state is still in cache, and the child is
    // dropped at once: a gather of a million tasks makes no second pass over
    // them at the end. A child that finishes out of turn waits for collect().
    void child_succeeded() noexcept override {
        try {
            while (taken_ < children_.size()) {
                auto* s = children_[taken_].state();
                if (s->status() != future_status::finished || s->has_exception()) return;
                take_next();
            }
        } catch (...) {
            // A result that failed to copy: collect() tries again and reports it.
        }
    }
    result_type collect() override {
        while (taken_ < children_.size()) take_next();
        children_.clear();
        return std::move(results_);
    }
    // The child is dropped only once its result is stored.
    void take_next() {
        auto* s = children_[taken_].state();
        if constexpr (ReturnExceptions)
            results_.push_back(vector_gather::template take_outcome<typename H::value_type>(s));
        else
            results_.push_back(vector_gather::template take<typename H::value_type>(s));
        const H child = std::move(children_[taken_++]);
    }

    std::vector<H> children_;
    result_type results_;  // the results of children_[0, taken_)
    std::size_t taken_ = 0;
};

// Wraps a freshly made state (reference count 1) into its handle.
template <class R>
future<R> adopt_future(future_state<R>* s) {
    future<R> f(s);
    s->release();
    return f;
}

template <bool ReturnExceptions, class... A>
auto gather_variadic(A&&... aws) {
    using state = tuple_gather<ReturnExceptions, handle_of<A>...>;
    // Braces: the tasks must be created (scheduled) in argument order.
    return adopt_future<typename state::result_type>(new state{ensure_handle(std::forward<A>(aws))...});
}

template <bool ReturnExceptions, class Range>
auto gather_range(Range&& range) {
    using A = std::ranges::range_value_t<std::remove_cvref_t<Range>>;
    using H = handle_of<A>;
    using state = vector_gather<ReturnExceptions, H>;
    // A vector of handles given away is kept as it is: no copy of a million
    // handles for gather(std::move(tasks)).
    if constexpr (std::is_same_v<std::remove_cvref_t<Range>, std::vector<H>> &&
                  std::is_rvalue_reference_v<Range&&>) {
        return adopt_future<typename state::result_type>(new state(std::move(range)));
    } else {
        std::vector<H> handles;
        if constexpr (std::ranges::sized_range<Range>) handles.reserve(std::ranges::size(range));
        for (auto&& a : range) {
            if constexpr (std::is_rvalue_reference_v<Range&&>)
                handles.push_back(ensure_handle(std::move(a)));
            else
                handles.push_back(ensure_handle(a));
        }
        return adopt_future<typename state::result_type>(new state(std::move(handles)));
    }
}

}  // namespace detail

// gather(a(), b(), t) → future<std::tuple<A, B, T>>
template <class... A>
requires(detail::awaitable_handle<A>&&...) auto gather(A&&... aws) {
    return detail::gather_variadic<false>(std::forward<A>(aws)...);
}

// gather(return_exceptions, a(), b()) → future<std::tuple<outcome<A>, outcome<B>>>
template <class... A>
requires(detail::awaitable_handle<A>&&...) auto gather(return_exceptions_t, A&&... aws) {
    return detail::gather_variadic<true>(std::forward<A>(aws)...);
}

// gather(vector_of_coros_or_tasks) → future<std::vector<T>> (pass coroutines with std::move)
template <detail::gatherable_range R>
auto gather(R&& range) {
    return detail::gather_range<false>(std::forward<R>(range));
}

template <detail::gatherable_range R>
auto gather(return_exceptions_t, R&& range) {
    return detail::gather_range<true>(std::forward<R>(range));
}

}  // namespace corio
