#!/usr/bin/env bash
# The main job: sets up, builds, and runs metrics-server + autoscaler against a simulated cluster.
# Shows `kubectl top` through the aggregator, then a Deployment (cpu request 30m) under an HPA (target 10% CPU,
# 1..10 replicas) through a load spike and a calm, printing the timeline and writing out/demo/autoscaling.svg.
# Stops everything it started, also on Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh" >/dev/null
bin=${BUILD_DIR:-$root/build}
out="$root/out/demo"
rm -rf "$out" && mkdir -p "$out/certs"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

ms_port=${DEMO_METRICS_SERVER_PORT:-18443}
grpc_port=${DEMO_GRPC_PORT:-18444}
"$bin/sandbox/kma-sandbox" --nodes 6 --scenario "$root/scripts/demo/scenario.json" --cert-dir "$out/certs" \
  --address-block 0 --creation-delay 1s --start-delay 2s --readiness-delay 3s \
  --service-endpoint "kube-system/metrics-server=127.0.0.1:$ms_port" >"$out/sandbox.log" 2>&1 &
pids+=($!)
export KUBECONFIG="$out/certs/kubeconfig"
for _ in $(seq 100); do [ -s "$KUBECONFIG" ] && kubectl get --raw /readyz >/dev/null 2>&1 && break; sleep 0.2; done
kubectl get --raw /readyz >/dev/null || { echo "sandbox did not start; see $out/sandbox.log" >&2; exit 1; }

"$bin/metrics-server/metrics-server" --kubeconfig "$KUBECONFIG" --secure-port "$ms_port" --bind-address 127.0.0.1 \
  --cert-dir "$out/metrics-server" --metric-resolution 5s --kubelet-preferred-address-types InternalIP \
  --kubelet-certificate-authority "$out/certs/kubelet-ca.crt" \
  --kubelet-client-certificate "$out/certs/kubelet-client.crt" --kubelet-client-key "$out/certs/kubelet-client.key" \
  --grpc-port "$grpc_port" --grpc-bind-address 127.0.0.1 >"$out/metrics-server.log" 2>&1 &
pids+=($!)
kubectl create --validate=false -f - >/dev/null <<YAML
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
spec:
  group: metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  insecureSkipTLSVerify: true
  service: {name: metrics-server, namespace: kube-system, port: 443}
YAML
for _ in $(seq 15); do [ -s "$out/metrics-server/apiserver.crt" ] && break; sleep 1; done
"$bin/autoscaler/autoscaler" --kubeconfig "$KUBECONFIG" --leader-elect=false --secure-port 0 \
  --horizontal-pod-autoscaler-sync-period 5s --horizontal-pod-autoscaler-downscale-stabilization 45s \
  --metrics-server-grpc-address "127.0.0.1:$grpc_port" --metrics-server-grpc-ca-file "$out/metrics-server/apiserver.crt" \
  >"$out/autoscaler.log" 2>&1 &
pids+=($!)

echo "== waiting for the first metrics (two scrapes; new containers are rated once they are 10s old) =="
for _ in $(seq 90); do kubectl top node >/dev/null 2>&1 && kubectl top pod -A >/dev/null 2>&1 && break; sleep 1; done
echo; echo "\$ kubectl top node"; kubectl top node
echo; echo "\$ kubectl top pod -A"; kubectl top pod -A
echo; echo "\$ kubectl top pod -n default -l app=shop-api --containers"; kubectl top pod -n default -l app=shop-api --containers || true

echo; echo "\$ kubectl autoscale deployment demo --cpu-percent=10 --min=1 --max=10"
kubectl autoscale deployment demo --cpu-percent=10 --min=1 --max=10
start=$(date +%s)
csv="$out/timeline.csv"
echo "t_seconds,offered_millicores,utilization_percent,replicas,desired,able_to_scale,scaling_active,scaling_limited" >"$csv"
printf '\n%6s %8s %12s %9s %8s  %s\n' "t(s)" "load(m)" "utilization" "replicas" "desired" "conditions"
duration=${DEMO_SECONDS:-300}
while [ $(( $(date +%s) - start )) -lt "$duration" ]; do
  t=$(( $(date +%s) - start ))
  # CPU actually used by the demo pods, as kubectl top sees it through the aggregator.
  load=$(kubectl top pod -l app=demo --no-headers 2>/dev/null | awk '{gsub("m","",$2); s+=$2} END {print s+0}')
  hpa_status=$(kubectl get hpa demo -o jsonpath='{.status.currentMetrics[0].resource.current.averageUtilization} {.status.currentReplicas} {.status.desiredReplicas} {.status.conditions[?(@.type=="AbleToScale")].reason} {.status.conditions[?(@.type=="ScalingActive")].reason} {.status.conditions[?(@.type=="ScalingLimited")].reason}' 2>/dev/null || true)
  read -r util replicas desired able active limited <<<"$hpa_status" || true
  printf '%6s %8s %11s%% %9s %8s  %s %s %s\n' "$t" "${load:-0}" "${util:--}" "${replicas:--}" "${desired:--}" "${able:--}" "${active:--}" "${limited:--}"
  echo "$t,${load:-0},${util:-0},${replicas:-0},${desired:-0},${able:-},${active:-},${limited:-}" >>"$csv"
  sleep 5
done
echo; echo "\$ kubectl get hpa demo"; kubectl get hpa demo
echo; echo "\$ kubectl describe hpa demo"; kubectl describe hpa demo | sed -n '1,40p'
"$root/scripts/demo/chart.sh" "$csv" >"$out/autoscaling.svg"
echo; echo "timeline: $csv"; echo "chart:    $out/autoscaling.svg"; echo "logs:     $out/*.log"
