// corio/corio.hpp: everything except TLS (<corio/tls.hpp>) and WebSocket
// (<corio/ws.hpp>). This header only includes.
#pragma once

#include "corio/clock.hpp"
#include "corio/coro.hpp"
#include "corio/debug/logger.hpp"
#include "corio/debug/task_tree.hpp"
#include "corio/errors.hpp"
#include "corio/future.hpp"
#include "corio/loop.hpp"
#include "corio/sleep.hpp"
#include "corio/task.hpp"
#include "corio/gather.hpp"
#include "corio/outcome.hpp"
#include "corio/shield.hpp"
#include "corio/wait.hpp"
#include "corio/async_generator.hpp"
#include "corio/task_group.hpp"
