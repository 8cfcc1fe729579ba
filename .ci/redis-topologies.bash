# Redis topologies for the tests, started from Debian's redis-server on free ports, with their data
# in a temporary folder. Source this file, then:
#
#   topology_start_cluster    # 3 masters with one replica each; sets cluster_url
#   topology_start_sentinel   # a master, a replica and three sentinels; sets sentinel_url
#   topology_stop             # kills every server started here and removes the folder
#
# Each start prints nothing on success and fails (non-zero) with the servers' logs on error.
# Run it by hand to get a topology to test against:
#
#   bash .ci/redis-topologies.bash cluster    # prints the URL, stops on Ctrl-C

topology_dir=""
topology_pids=()

# topology_free_base prints a base port B such that B..B+29 are all free. Ports are picked below
# the kernel's ephemeral range (32768 and up), so outgoing connections do not take them meanwhile.
topology_free_base() {
  local base p busy tries
  for tries in $(seq 1 50); do
    base=$((20000 + (RANDOM % 1200) * 10))
    busy=0
    for p in $(seq "$base" $((base + 29))); do
      if [ -n "$(ss -Htln "sport = :$p" 2>/dev/null)" ]; then busy=1; break; fi
    done
    if [ "$busy" = 0 ]; then echo "$base"; return 0; fi
  done
  echo "no free block of 30 ports found" >&2
  return 1
}

topology_init() {
  if [ -z "$topology_dir" ]; then topology_dir=$(mktemp -d "${TMPDIR:-/tmp}/outflow-redis.XXXXXX"); fi
}

# topology_server NAME PORT ARGS... starts one redis-server (or sentinel) in the background.
topology_server() {
  local name=$1 port=$2
  shift 2
  mkdir -p "$topology_dir/$name"
  (cd "$topology_dir/$name" && exec redis-server "$@" --port "$port" --bind 127.0.0.1 --dir "$topology_dir/$name" \
    --logfile "$topology_dir/$name/log") &
  topology_pids+=($!)
}

# topology_wait SECONDS DESCRIPTION COMMAND... retries COMMAND until it succeeds.
topology_wait() {
  local secs=$1 what=$2 i
  shift 2
  for i in $(seq 1 $((secs * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "redis topology: $what not ready after ${secs}s; logs in $topology_dir:" >&2
  tail -n 20 "$topology_dir"/*/log >&2 || true
  return 1
}

topology_ping() { [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]; }

topology_start_cluster() {
  topology_init
  local base p nodes=()
  base=$(topology_free_base) || return 1
  for i in 0 1 2 3 4 5; do
    p=$((base + i))
    # The cluster bus is given its own port next to the block (the default, port+10000, could be
    # taken by then).
    topology_server "cluster-$p" "$p" --cluster-enabled yes --cluster-port $((base + 10 + i)) \
      --cluster-config-file nodes.conf --cluster-node-timeout 5000 --save '' --appendonly no
    nodes+=("127.0.0.1:$p")
  done
  for i in 0 1 2 3 4 5; do topology_wait 10 "cluster node $((base + i))" topology_ping $((base + i)) || return 1; done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$topology_dir/cluster-create.log" 2>&1 || {
    cat "$topology_dir/cluster-create.log" >&2
    return 1
  }
  for i in 0 1 2 3 4 5; do
    topology_wait 30 "cluster node $((base + i)) joining" topology_cluster_ok $((base + i)) || return 1
  done
  topology_wait 30 "cluster replicas" topology_cluster_replicas_synced "$base" || return 1
  cluster_url="redis+cluster://$(IFS=,; echo "${nodes[*]}")"
}

topology_cluster_ok() { redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }

# Every master has its replica online and caught up: WAIT 1 answers 1 at once. A replica still in
# its first full sync already counts in connected_slaves, and a write then waits for it.
topology_cluster_replicas_synced() {
  local base=$1 masters=0 i p info
  for i in 0 1 2 3 4 5; do
    p=$((base + i))
    info=$(redis-cli -h 127.0.0.1 -p "$p" info replication)
    grep -q '^role:master' <<<"$info" || continue
    grep -q '^slave0:.*state=online' <<<"$info" || continue
    [ "$(redis-cli -h 127.0.0.1 -p "$p" wait 1 200)" = 1 ] && masters=$((masters + 1))
  done
  [ "$masters" = 3 ]
}

topology_start_sentinel() {
  topology_init
  local base master replica s
  base=$(topology_free_base) || return 1
  master=$base replica=$((base + 1))
  topology_server "sentinel-master" "$master" --save '' --appendonly no
  topology_server "sentinel-replica" "$replica" --save '' --appendonly no --replicaof 127.0.0.1 "$master"
  topology_wait 10 "sentinel master" topology_ping "$master" || return 1
  topology_wait 20 "sentinel replica" topology_replica_synced "$replica" || return 1
  topology_wait 20 "sentinel replica caught up" topology_caught_up "$master" || return 1
  local sentinels=()
  for s in $((base + 2)) $((base + 3)) $((base + 4)); do
    mkdir -p "$topology_dir/sentinel-$s"
    cat >"$topology_dir/sentinel-$s/sentinel.conf" <<EOF
sentinel monitor outflow 127.0.0.1 $master 2
sentinel down-after-milliseconds outflow 2000
sentinel failover-timeout outflow 10000
sentinel parallel-syncs outflow 1
EOF
    topology_server "sentinel-$s" "$s" "$topology_dir/sentinel-$s/sentinel.conf" --sentinel
    sentinels+=("127.0.0.1:$s")
  done
  for s in $((base + 2)) $((base + 3)) $((base + 4)); do
    topology_wait 20 "sentinel $s" topology_sentinel_sees "$s" || return 1
  done
  sentinel_url="redis+sentinel://$(IFS=,; echo "${sentinels[*]}")/outflow"
}

topology_replica_synced() { redis-cli -h 127.0.0.1 -p "$1" info replication | grep -q '^master_link_status:up'; }

# The master's replica has everything it wrote: WAIT 1 answers 1 at once.
topology_caught_up() { [ "$(redis-cli -h 127.0.0.1 -p "$1" wait 1 200)" = 1 ]; }

# The sentinel knows the master, its replica and the two other sentinels.
topology_sentinel_sees() {
  local out
  out=$(redis-cli -h 127.0.0.1 -p "$1" sentinel master outflow 2>/dev/null) || return 1
  echo "$out" | grep -A1 -x 'num-slaves' | tail -n1 | grep -qx 1 &&
    echo "$out" | grep -A1 -x 'num-other-sentinels' | tail -n1 | grep -qx 2
}

topology_stop() {
  local pid
  for pid in "${topology_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${topology_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  topology_pids=()
  if [ -n "$topology_dir" ]; then rm -rf "$topology_dir"; topology_dir=""; fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  trap topology_stop EXIT
  trap 'exit 0' INT TERM
  case "${1:-}" in
    cluster) topology_start_cluster; echo "$cluster_url" ;;
    sentinel) topology_start_sentinel; echo "$sentinel_url" ;;
    *) echo "usage: $0 cluster|sentinel" >&2; exit 2 ;;
  esac
  echo "(Ctrl-C stops it)" >&2
  while :; do sleep 1; done
fi
