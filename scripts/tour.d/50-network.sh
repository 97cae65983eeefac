# Sourced by scripts/tour.sh (uses its $build, ex and section): the network
# examples, seed 004's Game of Life over TCP and the redis_lite server.
: "${build:?this file is sourced by scripts/tour.sh}"

section "seed 004 · Game of Life: game_logic asks a rule server over TCP, gather fans in  (python: the same 5 columns)"
ex seed004_game_of_life
section "seed 004 · the same with count_neighbors async too"
ex seed004_game_of_life --async-count
section "seed 004 · game_logic raises  (python: OSError: I/O 문제 발생)"
ex seed004_game_of_life --fail || true

section "redis_lite · a RESP server on corio::start_server, driven by redis-cli"
redis_lite_out=$(mktemp)
"$build/examples/redis_lite/redis_lite" --port 0 >"$redis_lite_out" &
redis_lite_pid=$!
redis_lite_port=""
for _ in $(seq 100); do
  redis_lite_port=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$redis_lite_out")
  [ -n "$redis_lite_port" ] && break
  sleep 0.05
done
if [ -z "$redis_lite_port" ]; then
  echo "redis_lite did not start"
elif command -v redis-cli >/dev/null; then
  echo "redis_lite listening on port $redis_lite_port"
  for cmd in "PING" "SET greeting hello" "GET greeting" "INCR visits" "INCR visits" \
             "MGET greeting visits missing" "SET flash bang PX 100" "PTTL flash" "EXISTS greeting flash"; do
    # shellcheck disable=SC2086 # word splitting is the point: one word per argument
    printf 'redis> %s\n%s\n' "$cmd" "$(redis-cli --no-raw -p "$redis_lite_port" $cmd)"
  done
  sleep 0.2
  printf 'redis> %s\n%s\n' "GET flash  (200 ms later)" "$(redis-cli --no-raw -p "$redis_lite_port" GET flash)"
  if command -v redis-benchmark >/dev/null; then
    redis-benchmark -p "$redis_lite_port" -t set,get -n 100000 -P 16 -q 2>/dev/null | tr "\r" "\n" | grep "requests per second" || true
  fi
else
  echo "redis_lite listening on port $redis_lite_port (install redis-tools for the redis-cli demo)"
fi
kill "$redis_lite_pid" 2>/dev/null || true
wait "$redis_lite_pid" 2>/dev/null || true
rm -f "$redis_lite_out"
