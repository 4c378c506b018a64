#!/usr/bin/env bash
# Asserts which receiver each alert of deploy/prometheus/alerts.yml (and each severity) reaches,
# with `amtool config routes test`. Exits non-zero on the first mismatch.
#   deploy/alertmanager/test-routes.sh [path/to/alertmanager.yml]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
config="${1:-$here/alertmanager.yml}"

if ! command -v amtool >/dev/null 2>&1; then
  echo "amtool not found: install Debian's prometheus-alertmanager package (apt-get install prometheus-alertmanager)" >&2
  exit 2
fi

failures=0
# expect <receiver> <label=value>...
expect() {
  local want="$1"
  shift
  local got
  if ! got="$(amtool config routes test --config.file="$config" "$@" 2>/dev/null)"; then
    got="${got:-<amtool error>}"
  fi
  if [ "$got" = "$want" ]; then
    echo "ok    $* -> $got"
  else
    echo "FAIL  $* -> got '$got', want '$want'" >&2
    failures=$((failures + 1))
  fi
}

# By severity (the plan's words).
expect pagerduty-critical    severity=CRITICAL alertname=any
expect pagerduty-low-urgency severity=WARNING  alertname=any
expect ticket-webhook        severity=INFO     alertname=any
# No or unknown severity falls to the default receiver rather than being dropped.
expect pagerduty-low-urgency alertname=any
expect pagerduty-low-urgency severity=critical alertname=any

# Each alert of deploy/prometheus/alerts.yml with its severity.
expect pagerduty-critical    alertname=ml_service_unavailable     severity=CRITICAL job=ml-service
expect pagerduty-critical    alertname=ml_model_not_loaded        severity=CRITICAL job=ml-service
expect pagerduty-low-urgency alertname=ml_inference_latency_high  severity=WARNING  job=ml-service
expect pagerduty-low-urgency alertname=high_fallback_rate         severity=WARNING  job=ml-service
expect pagerduty-low-urgency alertname=ml_error_rate_high         severity=WARNING  job=ml-service
expect pagerduty-low-urgency alertname=ml_cache_hit_rate_low      severity=WARNING  job=ml-service
expect pagerduty-low-urgency alertname=ml_drift_job_stale         severity=WARNING  job=ml-service
expect pagerduty-low-urgency alertname=ml_prediction_log_dropping severity=WARNING  job=ml-service
expect ticket-webhook        alertname=model_drift_detected       severity=INFO     job=ml-service

if [ "$failures" -gt 0 ]; then
  echo "$failures route assertion(s) failed" >&2
  exit 1
fi
echo "all route assertions passed"
