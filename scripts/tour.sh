#!/usr/bin/env bash
# The seed tour: installs what is missing, builds the examples (Release) and
# runs every seed program's C++ port, next to what the Python original prints.
#   scripts/tour.sh              time on the virtual clock (instant, exact)
#   scripts/tour.sh --real-time  real time, durations scaled by 0.1
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=build/release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCORIO_BUILD_TESTS=OFF -DCORIO_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

clock=()
if [ "${1:-}" = "--real-time" ]; then clock=(--scale 0.1); fi
ex() { "$build/examples/$1" "${@:2}"; }
section() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

section "seed 000 · gather runs both coroutines at once  (python: ['result1', 'result2'])"
ex seed000_gather "${clock[@]}"
section "seed 000 · create_task, then await the tasks  (python: result1 / result2)"
ex seed000_create_task "${clock[@]}"
section "seed 000 · wait(FIRST_COMPLETED)  (python: result1)"
ex seed000_wait_first_completed "${clock[@]}"
section "seed 000 · a task that outlives main: run() cancels it and lets it clean up"
ex seed000_leftover_task
section "seed 000 · create_task for every socket handler, then gather them all"
ex seed000_create_task_then_gather
section "seed 001 · create_task + gather of two sleeps  (python: result : [1, 2] / total time : 2.00 sec)"
ex seed001_gather_sleep "${clock[@]}"
section "seed 001 · run_in_executor: two blocking time.sleep(1), time.sleep(2) in threads  (python: 2.03 sec)"
ex seed001_run_in_executor --scale 0.1
section "seed 002 · a job every 10 s, each 5-15 s, running concurrently (40 s of schedule)"
ex seed002_job_scheduler --for 40 --seed 7 "${clock[@]}"
section "seed 003 · coffee and bagel, synchronous: 3 s + 2 s  (python: 5.01 seconds)"
ex seed003_coffee_sync --scale 0.1
section "seed 003 · coffee and bagel with gather  (python: 3.00 seconds)"
ex seed003_coffee_async "${clock[@]}"
ex seed003_coffee_async --scale 0.1 | tail -n 1
section "seed 003 · coffee and bagel with create_task  (python: 3.00 seconds)"
ex seed003_coffee_tasks "${clock[@]}"
section "queues · a bounded producer/consumer pipeline with join() and shutdown()"
ex pipeline
section "threads · one loop per core sharing work through run_coroutine_threadsafe"
ex loop_per_core
section "io · TCP echo server and clients on an ephemeral port"
ex echo_server_client
section "io · UDP echo"
ex udp_echo
section "io · subprocesses: pipes, communicate, signals"
ex subprocess
for extra in scripts/tour.d/*.sh; do
  [ -e "$extra" ] || continue
  # shellcheck source=/dev/null
  source "$extra"
done
printf '\ntour finished\n'
