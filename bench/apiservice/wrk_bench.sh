#!/usr/bin/env bash
# metrics.k8s.io over HTTPS, measured with wrk against the real metrics-server binary scraping a simulated
# cluster (kma-sandbox): single-pod GET throughput, and the latency of listing every pod in JSON and protobuf.
#
#   bench/apiservice/wrk_bench.sh [NODES] [PODS_PER_NODE] [SECONDS]     (defaults: 5000 30 20 -> 150,000 pods)
#
# Requests go straight to metrics-server (not through the sandbox aggregator, which would measure the
# sandbox's proxy) with the bearer token of a service account, so every request passes delegated authentication
# (TokenReview, cached) and authorization (SubjectAccessReview, cached), as it does in a cluster.
# Needs a build (scripts/build.sh); installs wrk from Debian when absent.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD_DIR:-$root/build}
nodes=${1:-5000}
pods_per_node=${2:-30}
seconds=${3:-20}
pods=$((nodes * pods_per_node))

if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

work=$(mktemp -d /tmp/kma-wrk.XXXXXX)
pids=()
cleanup() {
  rc=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "logs kept in $work" >&2; fi
}
trap cleanup EXIT INT TERM
ulimit -n 1048576 2>/dev/null || ulimit -n 65536 2>/dev/null || true

port=${WRK_BENCH_PORT:-19443}
"$bin/sandbox/kma-sandbox" --nodes "$nodes" --pods-per-node "$pods_per_node" --cert-dir "$work/certs" \
  --address-block -1 --creation-delay 0s --start-delay 0s --readiness-delay 0s \
  --service-endpoint "kube-system/metrics-server=127.0.0.1:$port" >"$work/sandbox.log" 2>&1 &
pids+=($!)
export KUBECONFIG="$work/certs/kubeconfig"
for _ in $(seq 600); do [ -s "$KUBECONFIG" ] && kubectl get --raw /readyz >/dev/null 2>&1 && break; sleep 0.5; done

"$bin/metrics-server/metrics-server" --kubeconfig "$KUBECONFIG" --secure-port "$port" --bind-address 127.0.0.1 \
  --cert-dir "$work/ms" --metric-resolution 15s --kubelet-preferred-address-types InternalIP \
  --kubelet-certificate-authority "$work/certs/kubelet-ca.crt" \
  --kubelet-client-certificate "$work/certs/kubelet-client.crt" --kubelet-client-key "$work/certs/kubelet-client.key" \
  >"$work/metrics-server.log" 2>&1 &
ms_pid=$!
pids+=("$ms_pid")

# The kubelet token doubles as metrics-server's service-account token in the sandbox.
token=$(cat "$work/certs/kubelet-token")
base="https://127.0.0.1:$port/apis/metrics.k8s.io/v1beta1"
auth="Authorization: Bearer $token"
count_pods() { { curl -sk -H "$auth" "$base/pods" || true; } | { grep -o '"containers"' || true; } | wc -l; }
echo "waiting for metrics of all $pods pods (pods start, then two scrapes 15s apart)..." >&2
served=0
for _ in $(seq 240); do
  kill -0 "${pids[0]}" 2>/dev/null || { echo "kma-sandbox exited:" >&2; tail -20 "$work/sandbox.log" >&2; exit 1; }
  served=$(count_pods)
  [ "$served" -ge "$pods" ] && break
  sleep 5
done
echo "metrics-server serves $served pods" >&2
[ "$served" -ge "$pods" ] || { tail -20 "$work/metrics-server.log" >&2; exit 1; }

# Any one pod: the list's first item.
read -r one_ns one_name < <(curl -sk -H "$auth" "$base/pods" | python3 -c \
  'import json,sys; m=json.load(sys.stdin)["items"][0]["metadata"]; print(m["namespace"], m["name"])')
proto="Accept: application/vnd.kubernetes.protobuf,application/json"

echo "== metrics-server: $nodes nodes, $pods pods; $(nproc) cores shared by wrk, metrics-server and the sandbox =="
echo; echo "-- single pod GET, JSON: wrk -t2 -c32 -d${seconds}s --latency $base/namespaces/$one_ns/pods/$one_name"
wrk -t2 -c32 -d"${seconds}s" --latency -H "$auth" "$base/namespaces/$one_ns/pods/$one_name"
echo; echo "-- single pod GET, protobuf"
wrk -t2 -c32 -d"${seconds}s" --latency -H "$auth" -H "$proto" "$base/namespaces/$one_ns/pods/$one_name"
echo; echo "-- list all $pods pods, JSON, one connection: wrk -t1 -c1 -d${seconds}s --latency $base/pods"
wrk -t1 -c1 -d"${seconds}s" --timeout 30s --latency -H "$auth" "$base/pods"
echo; echo "-- list all $pods pods, protobuf, one connection"
wrk -t1 -c1 -d"${seconds}s" --timeout 30s --latency -H "$auth" -H "$proto" "$base/pods"
echo; echo "-- list all $nodes nodes, JSON"
wrk -t1 -c4 -d"${seconds}s" --timeout 30s --latency -H "$auth" "$base/nodes"
echo; echo "metrics-server RSS: $(grep VmRSS /proc/"$ms_pid"/status | awk '{print $2, $3}'), CPU ticks:" \
  "$(awk '{print $14 + $15}' /proc/"$ms_pid"/stat)"
