#include <stdexcept>

#include "corio/detail/basic_queue.hpp"

namespace corio::detail {

void throw_task_done_too_many() {
    throw std::invalid_argument("queue.task_done(): called more times than there were items put");
}

}  // namespace corio::detail
