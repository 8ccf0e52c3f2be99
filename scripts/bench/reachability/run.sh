#!/usr/bin/env bash
# Reachability benchmark on one machine (Linux, root, iproute2 + iptables): three seeds and a gateway on a namespace
# LAN, a node behind a port-preserving MASQUERADE router (a home NAT). Measures, in one run:
#   - time from the node's start to its first job served to the gateway through a seed's relay (AutoNAT, reservation,
#     heartbeat, circuit dial, job), and to the gateway's connection to it being direct (DCUtR);
#   - relayed against direct throughput on the same pair: `cerebrum net perf` (/perf/1.0.0, --perf-bytes each way) from
#     the gateway's namespace to a LAN daemon, through its reservation on a seed's relay and to its own address,
#     alternating the two paths (relayed, direct, direct, relayed, ...); ratio of the medians;
#   - DHT provider lookups, ours against js kad-dht's in the same network and of the same shape (three DHT servers, a
#     provider and a seeker that are clients, both bootstrapped with every server): latency of a complete lookup (ours
#     timed around the admin API's GET /dht/providers/HASH in the seeker's namespace, curl included; js's inside the
#     process, scripts/interop/dht-bench.mjs) and requests sent per lookup. The three js servers and the provider share
#     one namespace (one process); the js seeker has its own, so every request it sends crosses the bridge as ours do.
#
#   sudo scripts/bench/reachability/run.sh [--runs N] [--lookups M] [--perf-bytes B] [--write-docs]
#       defaults 3, 20 and 33554432 (32 MiB); smoke: --runs 1 --lookups 3. --write-docs appends the table to
#       docs/benchmarks.md with the date and the machine.
# Needs jq, curl, node and scripts/interop/node_modules (npm ci --prefix scripts/interop). Prints one line per
# measurement and a markdown table at the end. Everything it creates is named rb<pid>-* and removed on exit.
set -euo pipefail
runs=3 lookups=20 perf_bytes=33554432 write_docs=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --lookups) lookups="$2"; shift 2 ;;
    --perf-bytes) perf_bytes="$2"; shift 2 ;;
    --write-docs) write_docs=1; shift ;;
    *) echo "usage: $0 [--runs N] [--lookups M] [--perf-bytes B] [--write-docs]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "error: needs root (network namespaces)" >&2; exit 1; }
command -v iptables >/dev/null || { echo "error: needs iptables (apt-get install iptables)" >&2; exit 1; }
for tool in jq curl node; do command -v "$tool" >/dev/null || { echo "error: needs $tool" >&2; exit 1; }; done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
interop="$repo/scripts/interop"
[ -d "$interop/node_modules" ] || { echo "error: run npm ci --prefix scripts/interop first" >&2; exit 1; }
dotnet build "$repo/Cerebrum.sln" -c Release -nologo -v quiet >/dev/null
daemon="$repo/Cerebrum.Daemon/bin/Release/net10.0/cerebrumd.dll"
cli="$repo/Cerebrum.Cli/bin/Release/net10.0/cerebrum.dll"
p="rb$$"
root="$(mktemp -d)"
pids=()
cleanup() {
  exec 9>&- 2>/dev/null || true
  for pid in "${pids[@]}" $(cat "$root"/*.pid 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  for pid in $(cat "$root"/*.pid 2>/dev/null); do while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; done
  wait 2>/dev/null || true
  for ns in $(ip netns list | awk '{print $1}' | grep "^$p-" || true); do ip netns delete "$ns"; done
  rm -rf "$root"
}
trap cleanup EXIT

ns() { ip netns exec "$p-$1" "${@:2}"; }
now() { date +%s.%N; }
ip netns add "$p-hub"; ns hub ip link set lo up
ns hub ip link add name br type bridge; ns hub ip addr add 10.77.0.254/24 dev br; ns hub ip link set dev br up
lan=0
attach() { # attach NS: a veth into the hub's bridge, the next 10.77.0.N, left in $addr (not a subshell: lan counts)
  lan=$((lan + 1))
  ip link add "$p$lan" netns "$p-$1" type veth peer name "$p${lan}b" netns "$p-hub"
  ns hub ip link set "$p${lan}b" master br; ns hub ip link set "$p${lan}b" up
  ns "$1" ip addr add "10.77.0.$lan/24" dev "$p$lan"; ns "$1" ip link set "$p$lan" up; ns "$1" ip link set lo up
  ns "$1" ip route add default via 10.77.0.254
  addr="10.77.0.$lan"
}
start() { # start NAME DATADIR ARGS...: runs cerebrumd in namespace NAME (its pid in ROOT/NAME.pid), prints its listen address
  local name="$1" dir="$2"; shift 2
  # ip netns exec directly (not the ns function, which would fork a subshell): $! is then the daemon's own pid
  ip netns exec "$p-$name" dotnet "$daemon" run --data-dir "$dir" --admin-port 0 "$@" >"$root/$name.out" 2>"$root/$name.log" &
  echo "$!" >"$root/$name.pid" # start runs in a command substitution: the caller's variables do not see its changes
  for _ in $(seq 1 600); do
    if line="$(grep -m1 '^listening ' "$root/$name.out" 2>/dev/null)"; then echo "${line#listening }"; return 0; fi
    sleep 0.1
  done
  echo "error: $name did not start; see $root/$name.log" >&2; exit 1
}
config() { echo '{ "Network": { "AllowPrivateAddresses": true'"${2:-}"' }'"${3:-}"' }' >"$1/config.json"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
admin() { # admin NAMESPACE DATADIR PATH: GET on a daemon's admin API from inside its namespace
  ns "$1" curl -fsS -m 120 -H "Authorization: Bearer $(cat "$2/.cookie")" "$(sed 's#/*$##' "$2/admin.url")$3"
}
until_true() { # until_true SECONDS WHAT COMMAND...: polls COMMAND every 0.1 s
  local limit="$1" what="$2"; shift 2
  local t0; t0="$(now)"
  until "$@" >/dev/null 2>&1; do
    sleep 0.1
    awk -v t0="$t0" -v t="$(now)" -v l="$limit" 'BEGIN { exit !(t - t0 > l) }' && { echo "error: $what within $limit s" >&2; exit 1; }
  done
  return 0 # the loop's status is its last test's (1 when not timed out), which set -e would take for a failure
}

bootstrap=()
for i in 1 2 3; do
  ip netns add "$p-seed$i"; attach "seed$i"; address="$addr"
  dotnet "$daemon" init --data-dir "$root/seed$i" >/dev/null; config "$root/seed$i"
  bootstrap+=(--bootstrap "$(start "seed$i" "$root/seed$i" --mode seed --listen "/ip4/$address/tcp/4001" "${bootstrap[@]}")")
done
ip netns add "$p-gw"; attach gw; gw="$addr"
dotnet "$daemon" init --data-dir "$root/gw" >/dev/null; config "$root/gw" ', "Dht": "client"'
start gw "$root/gw" --mode gateway --http "$gw:8080" --open --listen "/ip4/$gw/tcp/4001" "${bootstrap[@]}" >/dev/null
ip netns add "$p-nat"; attach nat
ns nat sysctl -qw net.ipv4.ip_forward=1
ns nat iptables -t nat -A POSTROUTING -s 192.168.77.0/24 -j MASQUERADE
ns nat iptables -A INPUT -p tcp -m conntrack --ctstate NEW,INVALID -j DROP
ip netns add "$p-node"; ns node ip link set lo up
ip link add "${p}n" netns "$p-nat" type veth peer name "${p}m" netns "$p-node"
ns nat ip addr add 192.168.77.1/24 dev "${p}n"; ns nat ip link set "${p}n" up
ns node ip addr add 192.168.77.2/24 dev "${p}m"; ns node ip link set "${p}m" up; ns node ip route add default via 192.168.77.1

request='{"model":"all-minilm-l6-v2","input":"hello from behind a NAT"}'
first_job=() direct=()
for run in $(seq 1 "$runs"); do
  dir="$root/node$run"
  dotnet "$daemon" init --data-dir "$dir" >/dev/null
  dotnet "$cli" model add --builtin all-minilm-l6-v2 --data-dir "$dir" >/dev/null
  hash="$(dotnet "$cli" model list --json --data-dir "$dir" | jq -r '.[0].hash')" # before the daemon owns the store
  config "$dir" "" ', "Node": { "HeartbeatInterval": "00:00:01" }'
  t0="$(now)"
  node_address="$(start node "$dir" --mode node --listen /ip4/192.168.77.2/tcp/4001 "${bootstrap[@]}")"
  node_id="${node_address##*/}"
  until ns gw curl -fsS -m 30 "http://$gw:8080/v1/embeddings" -H 'Content-Type: application/json' -d "$request" >/dev/null 2>&1; do
    sleep 0.05
    awk -v t0="$t0" -v t="$(now)" 'BEGIN { exit !(t - t0 > 300) }' && { echo "error: no job within 300 s; see $root/node.log" >&2; exit 1; }
  done
  t1="$(now)"
  until ns gw dotnet "$cli" net peers --json --data-dir "$root/gw" | jq -e --arg id "$node_id" 'map(select(.peerId == $id)) | length > 0 and all(.relayed == false)' >/dev/null; do
    sleep 0.05
    awk -v t0="$t0" -v t="$(now)" 'BEGIN { exit !(t - t0 > 300) }' && { echo "error: no direct connection within 300 s" >&2; exit 1; }
  done
  t2="$(now)"
  first_job+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')")
  direct+=("$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')")
  echo "run $run: first job through the relay ${first_job[-1]} s after start, direct ${direct[-1]} s after start"
  if [ "$run" -lt "$runs" ]; then
    pid="$(cat "$root/node.pid")"; kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$root/node.pid"
  fi
done


# Relayed against direct on the same pair: a LAN daemon holding a reservation on seed 1 (Reachability private makes it
# reserve though it is dialable) and serving /perf/1.0.0; the CLI in the gateway's namespace measures both paths.
seed1="${bootstrap[1]}"
ip netns add "$p-tgt"; attach tgt; tgt="$addr"
dotnet "$daemon" init --data-dir "$root/tgt" >/dev/null
config "$root/tgt" ', "Reachability": "private", "StaticRelays": ["'"$seed1"'"], "Perf": { "Enabled": true }'
tgt_address="$(start tgt "$root/tgt" --listen "/ip4/$tgt/tcp/4001" "${bootstrap[@]}")"
tgt_id="${tgt_address##*/}"
circuit="$seed1/p2p-circuit/p2p/$tgt_id"
reserved() { admin tgt "$root/tgt" /status | jq -e '.reachability.advertised | any(endswith("/p2p-circuit"))'; }
until_true 120 "the perf target made no reservation on seed 1" reserved
perf_rate() { # perf_rate ADDRESS: MB/s both ways together
  ns gw dotnet "$cli" net perf "$1" --upload "$perf_bytes" --download "$perf_bytes" --json | jq -r '(.uploadBytes + .downloadBytes) / .totalSeconds / 1e6'
}
relayed_rate=() direct_rate=()
for run in $(seq 1 "$runs"); do
  if [ $((run % 2)) -eq 1 ]; then order="relayed direct"; else order="direct relayed"; fi
  for path in $order; do
    if [ "$path" = relayed ]; then relayed_rate+=("$(perf_rate "$circuit")"); r="${relayed_rate[-1]}"; else direct_rate+=("$(perf_rate "$tgt_address")"); r="${direct_rate[-1]}"; fi
    printf 'perf run %s %s: %.1f MB/s both ways (%s bytes each way)\n' "$run" "$path" "$r" "$perf_bytes"
  done
done

# DHT lookups, ours: the perf target is a DHT client (private) bootstrapped with the three seeds, which are the servers;
# the node announced the model. Requests per lookup: the growth of the seeker's DHT request count over the lookup.
c_ms=() c_msgs=()
for i in $(seq 1 "$lookups"); do
  before="$(admin tgt "$root/tgt" /status | jq -r '.reachability.dhtRequestsSent')"
  a="$(now)"
  admin tgt "$root/tgt" "/dht/providers/$hash" | jq -e '.providers | length > 0' >/dev/null
  b="$(now)"
  after="$(admin tgt "$root/tgt" /status | jq -r '.reachability.dhtRequestsSent')"
  c_ms+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b - a) * 1000 }')")
  c_msgs+=("$((after - before))")
  echo "lookup $i (C#): ${c_ms[-1]} ms, ${c_msgs[-1]} requests"
done

# DHT lookups, js kad-dht's, in a DHT of its own (another protocol id) of the same shape.
ip netns add "$p-jsdht"; attach jsdht; jsdht="$addr"
ip netns add "$p-jsseek"; attach jsseek; jsseek="$addr"
mkfifo "$root/jsdht.in"
ip netns exec "$p-jsdht" node "$interop/dht-bench.mjs" serve --host "$jsdht" --servers 3 --hash "$hash" <"$root/jsdht.in" >"$root/jsdht.out" 2>"$root/jsdht.log" &
pids+=("$!")
exec 9>"$root/jsdht.in"
until_true 120 "the js DHT did not start (see $root/jsdht.log)" grep -q '"event":"ready"' "$root/jsdht.out"
js_bootstrap=()
for a in $(jq -r 'select(.event == "ready") | .servers[]' "$root/jsdht.out"); do js_bootstrap+=(--bootstrap "$a"); done
ns jsseek node "$interop/dht-bench.mjs" seek --host "$jsseek" --hash "$hash" --lookups "$lookups" "${js_bootstrap[@]}" >"$root/jsseek.out" 2>"$root/jsseek.log" \
  || { echo "error: the js seeker failed; see $root/jsseek.log" >&2; exit 1; }
js_ms=() js_msgs=()
while read -r ms msgs found; do
  [ "$found" -gt 0 ] || { echo "error: a js lookup found no provider" >&2; exit 1; }
  js_ms+=("$(printf '%.2f' "$ms")"); js_msgs+=("$msgs")
  echo "lookup ${#js_ms[@]} (js): ${js_ms[-1]} ms, $msgs requests"
done < <(jq -r 'select(.event == "lookup") | "\(.ms) \(.messages) \(.found)"' "$root/jsseek.out")
[ "${#js_ms[@]}" -eq "$lookups" ] || { echo "error: the js seeker made ${#js_ms[@]} of $lookups lookups; see $root/jsseek.log" >&2; exit 1; }

m() { printf '%s\n' "$@" | median; }
relayed_median="$(m "${relayed_rate[@]}")" direct_median="$(m "${direct_rate[@]}")"
c_ms_median="$(m "${c_ms[@]}")" js_ms_median="$(m "${js_ms[@]}")"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
report="## Reachability ($(date -u '+%Y-%m-%d %H:%M UTC'), \`scripts/bench/reachability/run.sh --runs $runs --lookups $lookups\`)

Machine: ${cpu:-unknown CPU}, $(nproc) cores, $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg) at the end. Every daemon
and js peer in its own network namespace on one bridge (js's three DHT servers and provider share one); a node behind a
port-preserving MASQUERADE router.

| measure | median | runs |
| --- | --- | --- |
| node start to first job served through a seed's relay | $(m "${first_job[@]}") s | $runs |
| node start to the gateway's connection being direct (DCUtR) | $(m "${direct[@]}") s | $runs |
| /perf/1.0.0 through the relay ($perf_bytes bytes each way) | $(printf '%.1f' "$relayed_median") MB/s | $runs |
| /perf/1.0.0 direct, same pair | $(printf '%.1f' "$direct_median") MB/s | $runs |
| relayed / direct | $(ratio "$relayed_median" "$direct_median") | |
| DHT provider lookup, C# (complete lookup, admin API) | $c_ms_median ms, $(m "${c_msgs[@]}") requests | $lookups |
| DHT provider lookup, js kad-dht (complete lookup) | $js_ms_median ms, $(m "${js_msgs[@]}") requests | $lookups |
| lookup latency C# / js | $(ratio "$c_ms_median" "$js_ms_median") | |"
echo
echo "$report"
if [ "$write_docs" = 1 ]; then
  printf '\n%s\n' "$report" >> "$repo/docs/benchmarks.md"
  echo "appended to docs/benchmarks.md" >&2
fi
