#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in a separate build dir (build-fuzz, or $FUZZ_BUILD_DIR) and runs each:
#   scripts/fuzz.sh --seconds 20        short run (CI, via scripts/test.sh)
#   scripts/fuzz.sh --runs 10000000     long run (documented in docs/reliability.md)
#   scripts/fuzz.sh --seconds 60 quantity_fuzz label_selector_fuzz   only these targets
# Seed corpora are generated from tests/golden into the build dir; findings land in build-fuzz/findings/<target>/.
# Prints per target: inputs executed, exec/s, crashes. Exits non-zero if any target crashed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${FUZZ_BUILD_DIR:-$root/build-fuzz}
limit=(-max_total_time=20)
targets=()
while (($#)); do
  case "$1" in
    --seconds) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(prometheus_parser_fuzz metrics_request_fuzz quantity_fuzz label_selector_fuzz field_selector_fuzz
     kubeconfig_fuzz watch_decode_fuzz hpa_codec_fuzz)
((${#targets[@]})) || targets=("${all[@]}")

export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
# The one UBSan exemption (RapidJSON 1.1's stack arithmetic) is shared with scripts/test-sanitizers.sh.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/sanitizers/ubsan.supp"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKMA_FUZZ=ON -DKMA_BUILD_TESTS=OFF -DKMA_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build_dir" --target "${targets[@]}" -j "$(nproc)"

# Seeds: one file per input, from the golden data (no committed binaries).
golden=$root/tests/golden
seeds=$build_dir/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{prometheus_parser_fuzz,metrics_request_fuzz,quantity_fuzz,label_selector_fuzz,field_selector_fuzz,kubeconfig_fuzz,watch_decode_fuzz,hpa_codec_fuzz}
cp "$root"/metrics-server/fuzz/corpus/* "$seeds/prometheus_parser_fuzz/"
n=0
# Quantities: both columns of the canonical-forms table.
grep -v '^#' "$golden/kubectl-traces/quantity_canonical_forms.txt" | sed 's/ *-> */\n/' | sed 's/ *$//' | grep . |
  while IFS= read -r q; do n=$((n + 1)); printf '%s' "$q" >"$seeds/quantity_fuzz/q$n"; done
# Requests: every traced request (target line and headers), as is and from the front proxy.
awk -v dir="$seeds/metrics_request_fuzz" '
  /^(GET|POST|PUT|PATCH|DELETE) / { if (f) close(f); n++; f = dir "/r" n; print > f; print "@peer front-proxy-client\n" $0 > (f "p"); close(f "p"); hdr = 1; next }
  /^  <<</ { hdr = 0; next }
  hdr && /^  [A-Za-z-]+: / { print > f; print >> (f "p") }
' "$golden"/kubectl-traces/*.http.txt
for s in "$seeds"/metrics_request_fuzz/r*p; do echo "X-Remote-User: alice" >>"$s"; done
# Selectors: the labelSelector/fieldSelector values the traces carry, plus the syntax forms.
grep -ho 'labelSelector=[^& ]*' "$golden"/kubectl-traces/*.http.txt | sed 's/^labelSelector=//' | sort -u |
  while IFS= read -r s; do n=$((n + 1)); printf '%b' "${s//%/\\x}" >"$seeds/label_selector_fuzz/t$n"; done
grep -ho 'fieldSelector=[^& ]*' "$golden"/kubectl-traces/*.http.txt | sed 's/^fieldSelector=//' | sort -u |
  while IFS= read -r s; do n=$((n + 1)); printf '%b' "${s//%/\\x}" >"$seeds/field_selector_fuzz/t$n"; done
i=0
for s in 'app=web' 'app==web,tier!=db' 'env in (prod,qa),!gpu' 'env notin (dev), gpu' 'replicas>3,replicas<10' \
         'example.com/team=a-b.c_d'; do i=$((i + 1)); printf '%s' "$s" >"$seeds/label_selector_fuzz/s$i"; done
for s in 'metadata.name=web-0' 'metadata.namespace!=kube-system,spec.nodeName==node-1' 'metadata.name=a\=b\,c\\'; do
  i=$((i + 1)); printf '%s' "$s" >"$seeds/field_selector_fuzz/s$i"; done
# JSON the binaries decode: the golden object samples, HPA cases, and watch frames made from them.
cp "$golden"/kubectl-traces/samples/*.json "$seeds/watch_decode_fuzz/" 2>/dev/null || true
for f in "$golden"/kubectl-traces/samples/*.json; do
  b=$(basename "$f" .json)
  { printf '{"type":"ADDED","object":'; tr -d '\n' <"$f"; printf '}\n\xff{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}\n'; } \
    >"$seeds/watch_decode_fuzz/w_$b"
done
cat >"$seeds/hpa_codec_fuzz/hpa1" <<'JSON'
{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default","uid":"u1","resourceVersion":"5","generation":2,"annotations":{"autoscaling.kma.io/class":"kma"}},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":10,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}},{"type":"Pods","pods":{"metric":{"name":"qps","selector":{"matchLabels":{"a":"b"}}},"target":{"type":"AverageValue","averageValue":"100m"}}}],"behavior":{"scaleDown":{"stabilizationWindowSeconds":300,"selectPolicy":"Max","policies":[{"type":"Percent","value":100,"periodSeconds":15}]}}},"status":{"currentReplicas":2,"desiredReplicas":3,"lastScaleTime":"2026-11-24T02:23:33Z","currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":70,"averageValue":"35m"}}}],"conditions":[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-11-24T02:23:33Z","reason":"ReadyForNewScale","message":"ok"}]}}
JSON
cat >"$seeds/kubeconfig_fuzz/kc1" <<'YAML'
apiVersion: v1
kind: Config
current-context: ctx
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443/prefix
    certificate-authority-data: LS0tLS1CRUdJTg==
    tls-server-name: kubernetes
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: kube-system}
users:
- name: u
  user:
    token: abc
    client-certificate: cert.pem
    client-key-data: a2V5
YAML
printf 'https://[::1]:8443' >"$seeds/kubeconfig_fuzz/url1"

status=0
printf '%-24s %12s %10s %8s\n' target inputs exec/s crashes
for t in "${targets[@]}"; do
  corpus=$build_dir/corpus/$t findings=$build_dir/findings/$t log=$build_dir/logs/$t.log
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  start=$(date +%s.%N)
  rc=0
  "$build_dir/fuzz/$t" "${limit[@]}" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$findings/" "$corpus" "$seeds/$t" >"$log" 2>&1 || rc=$?
  end=$(date +%s.%N)
  inputs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(awk -v n="${inputs:-0}" -v s="$start" -v e="$end" 'BEGIN { printf "%d", n / (e - s) }')
  crashes=$(find "$findings" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  printf '%-24s %12s %10s %8s\n' "$t" "${inputs:-0}" "$rate" "$crashes"
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    status=1
    echo "fuzz.sh: $t failed (exit $rc); log $log, inputs in $findings" >&2
    grep -m5 -E 'ERROR|SUMMARY|deadly signal' "$log" >&2 || true
  fi
done
exit $status
