#!/usr/bin/env bash
# Renders the demo timeline CSV (t_seconds,offered_millicores,utilization_percent,replicas,...) as an SVG chart:
# measured CPU of the workload (millicores, left axis) and replicas (right axis) over time.
set -euo pipefail
awk -F, '
NR == 1 { next }
{ t[n] = $1; load[n] = $2; rep[n] = $4; n++; if ($1 > tmax) tmax = $1; if ($2 > lmax) lmax = $2; if ($4 > rmax) rmax = $4 }
END {
  W = 800; H = 400; L = 60; R = 60; T = 30; B = 50; pw = W - L - R; ph = H - T - B
  if (tmax == 0) tmax = 1; if (lmax == 0) lmax = 1; rmax = (rmax < 10) ? 10 : rmax
  printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H
  printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
  printf "<text x=\"%d\" y=\"18\" font-size=\"14\">HPA demo: CPU of deployment/demo and its replicas</text>\n", L
  printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, T + ph, L + pw, T + ph
  printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, T, L, T + ph
  printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L + pw, T, L + pw, T + ph
  for (i = 0; i <= 5; i++) {
    y = T + ph - i * ph / 5
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#c0392b\">%dm</text>\n", L - 5, y + 4, lmax * i / 5
    printf "<text x=\"%d\" y=\"%d\" fill=\"#2471a3\">%d</text>\n", L + pw + 5, y + 4, rmax * i / 5
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%ds</text>\n", L + i * pw / 5, T + ph + 18, tmax * i / 5
  }
  printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time since kubectl autoscale</text>\n", L + pw / 2, H - 10
  printf "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" points=\""
  for (i = 0; i < n; i++) printf "%.1f,%.1f ", L + t[i] * pw / tmax, T + ph - load[i] * ph / lmax
  printf "\"/>\n<polyline fill=\"none\" stroke=\"#2471a3\" stroke-width=\"2\" points=\""
  for (i = 0; i < n; i++) {
    x = L + t[i] * pw / tmax; y = T + ph - rep[i] * ph / rmax
    if (i > 0) printf "%.1f,%.1f ", x, py
    printf "%.1f,%.1f ", x, y; py = y
  }
  printf "\"/>\n"
  printf "<text x=\"%d\" y=\"%d\" fill=\"#c0392b\">CPU used (millicores, kubectl top)</text>\n", L + 10, T + 14
  printf "<text x=\"%d\" y=\"%d\" fill=\"#2471a3\">replicas</text>\n", L + 10, T + 30
  printf "</svg>\n"
}' "$1"
