#include "corio/wait.hpp"

namespace corio::detail {

bool wait_satisfied(return_when when, std::size_t done, std::size_t total, bool failed) noexcept {
    switch (when) {
        case return_when::first_completed:
            return done > 0;
        case return_when::first_exception:
            return failed || done == total;
        case return_when::all_completed:
            return done == total;
    }
    return done == total;
}

}  // namespace corio::detail
