#!/usr/bin/env bash
# Reachability benchmark on one machine (Linux, root, iproute2 + iptables): three seeds and a gateway on a namespace
# LAN, a node behind a port-preserving MASQUERADE router (a home NAT). Measures, in one run:
#   - time from the node's start to its first job served to the gateway through a seed's relay (AutoNAT, reservation,
#     heartbeat, circuit dial, job), and to the gateway's connection to it being direct (DCUtR);
#   - DHT provider lookup latency (`cerebrum net providers` from the gateway; wall time of the CLI call included).
# Not measured yet (see docs/benchmarks.md): relayed vs direct throughput on the same pair, lookups against js kad-dht.
#
#   sudo scripts/bench/reachability/run.sh [--runs N] [--lookups M]      (defaults 3 and 20; smoke: --runs 1 --lookups 3)
# Prints one line per measurement and medians at the end. Everything it creates is named rb<pid>-* and removed on exit.
set -euo pipefail
runs=3 lookups=20
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --lookups) lookups="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--lookups M]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "error: needs root (network namespaces)" >&2; exit 1; }
command -v iptables >/dev/null || { echo "error: needs iptables (apt-get install iptables)" >&2; exit 1; }

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
dotnet build "$repo/Cerebrum.sln" -c Release -nologo -v quiet >/dev/null
daemon="$repo/Cerebrum.Daemon/bin/Release/net10.0/cerebrumd.dll"
cli="$repo/Cerebrum.Cli/bin/Release/net10.0/cerebrum.dll"
p="rb$$"
root="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in $(ip netns list | awk '{print $1}' | grep "^$p-" || true); do ip netns delete "$ns"; done
  rm -rf "$root"
}
trap cleanup EXIT

ns() { ip netns exec "$p-$1" "${@:2}"; }
now() { date +%s.%N; }
ip netns add "$p-hub"; ns hub ip link set lo up
ns hub ip link add br type bridge; ns hub ip addr add 10.77.0.254/24 dev br; ns hub ip link set br up
lan=0
attach() { # attach NS: a veth into the hub's bridge, the next 10.77.0.N
  lan=$((lan + 1))
  ip link add "$p$lan" netns "$p-$1" type veth peer name "$p${lan}b" netns "$p-hub"
  ns hub ip link set "$p${lan}b" master br; ns hub ip link set "$p${lan}b" up
  ns "$1" ip addr add "10.77.0.$lan/24" dev "$p$lan"; ns "$1" ip link set "$p$lan" up; ns "$1" ip link set lo up
  ns "$1" ip route add default via 10.77.0.254
  echo "10.77.0.$lan"
}
start() { # start NAME DATADIR ARGS...: runs cerebrumd in namespace NAME, prints its listen address
  local name="$1" dir="$2"; shift 2
  ns "$name" dotnet "$daemon" run --data-dir "$dir" --admin-port 0 "$@" >"$root/$name.out" 2>"$root/$name.log" &
  pids+=("$!")
  for _ in $(seq 1 600); do
    if line="$(grep -m1 '^listening ' "$root/$name.out" 2>/dev/null)"; then echo "${line#listening }"; return 0; fi
    sleep 0.1
  done
  echo "error: $name did not start; see $root/$name.log" >&2; exit 1
}
config() { echo '{ "Network": { "AllowPrivateAddresses": true'"${2:-}"' }'"${3:-}"' }' >"$1/config.json"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

bootstrap=()
for i in 1 2 3; do
  ip netns add "$p-seed$i"; address="$(attach "seed$i")"
  dotnet "$daemon" init --data-dir "$root/seed$i" >/dev/null; config "$root/seed$i"
  bootstrap+=(--bootstrap "$(start "seed$i" "$root/seed$i" --mode seed --listen "/ip4/$address/tcp/4001" "${bootstrap[@]}")")
done
ip netns add "$p-gw"; gw="$(attach gw)"
dotnet "$daemon" init --data-dir "$root/gw" >/dev/null; config "$root/gw" ', "Dht": "client"'
start gw "$root/gw" --mode gateway --http "$gw:8080" --open --listen "/ip4/$gw/tcp/4001" "${bootstrap[@]}" >/dev/null
ip netns add "$p-nat"; attach nat >/dev/null
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
  if [ "$run" -lt "$runs" ]; then kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; fi
done

hash="$(dotnet "$cli" model list --json --data-dir "$root/node$runs" | jq -r '.[0].hash')"
lookup=()
for i in $(seq 1 "$lookups"); do
  a="$(now)"
  ns gw dotnet "$cli" net providers "$hash" --json --data-dir "$root/gw" | jq -e '.providers | length > 0' >/dev/null
  lookup+=("$(awk -v a="$a" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')")
done

echo "median time to first job behind NAT (through a relay): $(printf '%s\n' "${first_job[@]}" | median) s over $runs runs"
echo "median time to a direct connection:                    $(printf '%s\n' "${direct[@]}" | median) s over $runs runs"
echo "median DHT provider lookup (CLI call, wall time):      $(printf '%s\n' "${lookup[@]}" | median) s over $lookups lookups"
