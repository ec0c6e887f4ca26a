#!/usr/bin/env bash
# Runs the CiviCRM extension com.skvare.cmsuserwebhook inside the real CiviCRM that setup.sh
# made, against the SDK's own webhook (the web sample, host.sh), and checks what happens:
#
#   bash tests/real/civicrm/check-webhook.sh [out.jsonl]
#
#  1. a contact added to the trigger group through API v4 -> exactly one signed call, after commit
#  2. a contact given the trigger tag through API v4 -> one call
#  3. API3 group and tag adds, a re-add after removal (API4 update), a bulk add of 7
#     (5 sent at once, 2 queued and sent by the next cron run), a Pending join and a rolled-back
#     join (no call)
#  4. the host goes down (the listener stops): a join is queued; a cron run before its time
#     sends nothing; a cron run after it retries, fails, and the event waits about twice as
#     long in the same queue row; the listener comes back; the next due cron run delivers it
#  5. the system check's message at each stage, the settings form (GET as admin: 200 and fields)
#
# Every call goes through /work/shared/tools/record_proxy.py (port 8093 -> host 5082), which
# writes out.jsonl (credentials redacted; the webhook secret is never in it). Each line gets
# the step that caused it, and every signature is checked against the secret here.
# Takes about 5 minutes (the retry waits for the real backoff: about 1, then 2 minutes).
# Not run by CI (CI has no CiviCRM). Run as root after setup.sh; builds nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
state="${CIVI_STATE:-/var/lib/wordpress-civi/state.env}"
set -a
# shellcheck disable=SC1090
. "$state"
set +a
out="${1:-/tmp/civicrm-webhook-$(date -u +%Y%m%dT%H%M%S).jsonl}"
proxy_port="${CIVI_PROXY_PORT:-8093}"
host_port="${CIVI_HOST_PORT:-5082}"
work="$(mktemp -d)"
raw="$work/raw.jsonl"
steps="$work/steps.tsv"
: > "$raw"; : > "$steps"
chmod 755 "$work"
started_host=""
proxy_pid=""
failures=0

cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  [ -n "$started_host" ] && kill "$started_host" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

log() { printf '[check-webhook] %s\n' "$*"; }
ok() { printf '  ok   %s\n' "$*"; }
bad() { printf '  FAIL %s\n' "$*"; failures=$((failures + 1)); }
civi() { (cd /tmp && runuser -u www-data -- env CIVI_WEBHOOK_SECRET="$CIVI_WEBHOOK_SECRET" php "$here/boot.php" "$here/$1" "${@:2}" 2>/dev/null); }
calls() { wc -l < "$raw" | tr -d ' '; }
engine_calls() { if [ -n "${CIVI_ENGINE_OUT:-}" ]; then wc -l < "$CIVI_ENGINE_OUT" | tr -d ' '; else echo 0; fi; }
json() { python3 -c "import sys, json; d = json.load(sys.stdin); print($1)"; }
start_proxy() {
  python3 /work/shared/tools/record_proxy.py "$proxy_port" "http://127.0.0.1:$host_port" "$raw" &
  proxy_pid=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$proxy_port/health" && return 0; sleep 0.1; done
  echo "the recording proxy did not start" >&2; exit 1
}
stop_proxy() { kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true; proxy_pid=""; }
# The proxy's own /health probes are not webhook calls: drop them from the recording.
drop_probes() { python3 - "$raw" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r["path"] != "/health"]
open(sys.argv[1], "w").write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
PY
}
# step NAME EXPECTED_CALLS COMMAND…: runs the command, records which calls it caused.
step() {
  local name="$1" expected="$2"; shift 2
  local before after ebefore
  before="$(calls)"; ebefore="$(engine_calls)"
  "$@"
  after="$(calls)"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$before" "$after" "$ebefore" "$(engine_calls)" >> "$steps"
  if [ "$expected" = "-" ]; then return 0; fi
  if [ $((after - before)) -eq "$expected" ]; then ok "$name: $expected call(s)"; else bad "$name: $((after - before)) call(s), expected $expected"; fi
}
queue_json() { civi status.php; }
wait_until_due() {
  local due
  due="$(queue_json | json "min(__import__('calendar').timegm(__import__('time').strptime(i['release_time'], '%Y-%m-%d %H:%M:%S')) for i in d['queue'])")"
  log "waiting $((due - $(date +%s) + 2)) s for the queued call's time"
  while [ "$(date +%s)" -le "$((due + 1))" ]; do sleep 1; done
}

# ---- host and proxy --------------------------------------------------------------------------
# CIVI_ENGINE_OUT=file.jsonl also records what the SDK sent to CiviCRM and WordPress while it
# handled the calls (a second proxy, port CIVI_ENGINE_PROXY_PORT, in front of the site).
engine_proxy_pid=""
if [ -n "${CIVI_ENGINE_OUT:-}" ]; then
  curl -s -o /dev/null "http://127.0.0.1:$host_port/health" && { echo "stop the running web sample first: CIVI_ENGINE_OUT needs a host started through the proxy" >&2; exit 1; }
  engine_port="${CIVI_ENGINE_PROXY_PORT:-8094}"
  : > "$CIVI_ENGINE_OUT"
  python3 /work/shared/tools/record_proxy.py "$engine_port" "${CIVI_SITE_URL%/}" "$CIVI_ENGINE_OUT" &
  engine_proxy_pid=$!
  export CIVI_UPSTREAM_URL="http://127.0.0.1:$engine_port/"
fi
trap 'cleanup; [ -n "$engine_proxy_pid" ] && kill "$engine_proxy_pid" 2>/dev/null || true' EXIT
if ! curl -s -o /dev/null "http://127.0.0.1:$host_port/health"; then
  log "starting the SDK web sample (host.sh) on $host_port"
  bash "$here/host.sh" > "$work/host.log" 2>&1 &
  started_host=$!
  for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$host_port/health" && break; sleep 0.5; done
fi
[ "$(curl -s "http://127.0.0.1:$host_port/health")" = Healthy ] || { echo "the web sample is not healthy" >&2; exit 1; }
start_proxy
drop_probes

log "configuring the extension"
civi configure.php "http://127.0.0.1:$proxy_port/cmsuser/webhook" website_members website_premium
if ! civi status.php | json "d['queue']" | grep -q '^\[\]$'; then
  # Left by an earlier, interrupted run: make it due and send it, so the counts below start clean.
  log "sending an old backlog first"
  mysql -uroot "${CIVI_DB:-civi_civicrm}" -e "UPDATE civicrm_queue_item SET release_time = NULL WHERE queue_name = 'com.skvare.cmsuserwebhook'"
  civi cron.php >/dev/null
fi
drop_probes
: > "$raw"

# ---- 1-3: joins ------------------------------------------------------------------------------
log "joins"
step group-api4 1 civi join.php group website_members Ana Lima
step tag-api4 1 civi join.php tag website_premium Pia Tagged
for path in api3-group api3-tag readd; do
  step "$path" 1 civi paths.php website_members website_premium "$path"
done
step bulk-7 5 civi paths.php website_members website_premium bulk
[ "$(queue_json | json "len(d['queue'])")" = 2 ] && ok "bulk: 2 queued" || bad "bulk: not 2 queued"
step pending 0 civi paths.php website_members website_premium pending
step rollback 0 civi paths.php website_members website_premium rollback
step cron-drain 2 civi cron.php
[ "$(queue_json | json "len(d['queue'])")" = 0 ] && ok "queue empty" || bad "queue not empty"

# ---- 4: outage -------------------------------------------------------------------------------
log "outage"
stop_proxy
step join-while-down 0 civi join.php group website_members Olga Outage
first="$(queue_json)"
printf '%s' "$first" | json "d['queue'][0]['attempt'] == 1 and len(d['queue']) == 1" | grep -q True && ok "queued after the failed call (attempt 1)" || bad "not queued as attempt 1"
printf '%s' "$first" | json "d['check'][0]['message']" | sed 's/^/  check: /'
step cron-before-due 0 civi cron.php
wait_until_due
step cron-while-down 0 civi cron.php
second="$(queue_json)"
python3 - "$first" "$second" <<'PY' && ok "retried in the same row, first-queued time kept, attempt 2, waits ~2 min" || bad "the retry did not keep its row or backoff"
import json, sys, calendar, time
a, b = (json.loads(x)["queue"] for x in sys.argv[1:3])
t = lambda s: calendar.timegm(time.strptime(s, "%Y-%m-%d %H:%M:%S"))
print("   ", a[0]["id"], a[0]["submit_time"], "->", b[0]["id"], b[0]["submit_time"], "release", b[0]["release_time"])
wait = t(b[0]["release_time"]) - int(time.time())
sys.exit(0 if len(b) == 1 and b[0]["id"] == a[0]["id"] and b[0]["submit_time"] == a[0]["submit_time"] and b[0]["attempt"] == 2 and 90 <= wait <= 150 else 1)
PY
start_proxy
drop_probes
wait_until_due
step cron-host-back 1 civi cron.php
after="$(queue_json)"
printf '%s' "$after" | json "len(d['queue'])" | grep -q '^0$' && ok "delivered, queue empty" || bad "queue not empty"
printf '%s' "$after" | json "d['check'][0]['severity'] + ': ' + d['check'][0]['message']" | sed 's/^/  check: /'

# ---- 5: settings form ------------------------------------------------------------------------
jar="$work/jar"
curl -s -o /dev/null -c "$jar" -b "wordpress_test_cookie=WP%20Cookie%20check" "${CIVI_SITE_URL}wp-login.php"
curl -s -o /dev/null -c "$jar" -b "$jar" -b "wordpress_test_cookie=WP%20Cookie%20check" -X POST "${CIVI_SITE_URL}wp-login.php" \
  --data-urlencode "log=$CIVI_WP_ADMIN_USER" --data-urlencode "pwd=$CIVI_WP_ADMIN_PASSWORD" --data-urlencode testcookie=1
code="$(curl -s -b "$jar" -c "$jar" -o "$work/form.html" -w '%{http_code}' "${CIVI_SITE_URL}wp-admin/admin.php?page=CiviCRM&q=civicrm/admin/cmsuserwebhook&reset=1")"
fields="$(grep -o 'name="cmsuserwebhook_[a-z_]*' "$work/form.html" | sort -u | wc -l)"
[ "$code" = 200 ] && [ "$fields" = 7 ] && ok "settings form: 200 with its 7 fields" || bad "settings form: $code, $fields fields"
save_form() { # url secret max_attempts
  local qf
  qf="$(grep -o 'name="qfKey"[^>]*value="[^"]*"' "$work/form.html" | sed 's/.*value="//;s/"$//')"
  curl -s -b "$jar" -c "$jar" -o "$work/post.html" -X POST "${CIVI_SITE_URL}wp-admin/admin.php?page=CiviCRM&q=civicrm/admin/cmsuserwebhook" \
    --data-urlencode "qfKey=$qf" --data-urlencode "_qf_default=Settings:submit" --data-urlencode "_qf_Settings_submit=1" \
    --data-urlencode "cmsuserwebhook_url=$1" --data-urlencode "cmsuserwebhook_secret=$2" \
    --data-urlencode "cmsuserwebhook_groups[]=$(civi configure.php --show | json "d['groups'][0]")" \
    --data-urlencode "cmsuserwebhook_tags[]=$(civi configure.php --show | json "d['tags'][0]")" \
    --data-urlencode "cmsuserwebhook_timeout=10" --data-urlencode "cmsuserwebhook_inline_limit=5" --data-urlencode "cmsuserwebhook_max_attempts=$3"
}
save_form "http://example.org/hook" "short" 0
errors="$(grep -c '<span class="crm-error">' "$work/post.html" || true)"
[ "$errors" = 3 ] && ok "settings form: plain http off loopback, a short secret and 0 attempts are refused (3 field errors)" || bad "settings form: $errors field errors, expected 3"
curl -s -b "$jar" -c "$jar" -o "$work/form.html" "${CIVI_SITE_URL}wp-admin/admin.php?page=CiviCRM&q=civicrm/admin/cmsuserwebhook&reset=1"
save_form "http://127.0.0.1:$proxy_port/cmsuser/webhook" "" 12
kept="$(civi configure.php --show | json "d['secretIsTheStateOne']")"
grep -q 'Contacts joining the selected' "$work/post.html" && [ "$kept" = True ] && ok "settings form: saved; an empty secret keeps the saved one" || bad "settings form: not saved, or the secret changed"

# ---- recording -------------------------------------------------------------------------------
python3 - "$raw" "$steps" "$out" <<'PY' || bad "a recorded signature does not verify"
import hashlib, hmac, json, os, sys
raw, steps, out = sys.argv[1:4]
secret = os.environ["CIVI_WEBHOOK_SECRET"].encode()
names, engine_names = [], []
for line in open(steps):
    name, a, b, ea, eb = line.rstrip("\n").split("\t")
    names += [(int(a), int(b), name)]
    engine_names += [(int(ea), int(eb), name)]
engine = os.environ.get("CIVI_ENGINE_OUT")
if engine:
    lines = [json.loads(l) for l in open(engine) if l.strip()]
    with open(engine, "w") as f:
        for i, r in enumerate(lines):
            # Outside every step: the host's start-up traffic, or its health checks between the steps.
            outside = "before the steps" if i < min(a for a, b, n in engine_names) else "between the steps"
            r["step"] = next((n for a, b, n in engine_names if a <= i < b), outside)
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"  {len(lines)} SDK requests to CiviCRM and WordPress recorded in {engine}")
rows, bad = [], 0
for i, line in enumerate(open(raw)):
    r = json.loads(line)
    r["step"] = next((n for a, b, n in names if a <= i < b), "?")
    # The proxy saw the body bytes; re-serialise exactly as the extension does (no spaces, / unescaped).
    body = json.dumps(r["request"]["json"], separators=(",", ":"), ensure_ascii=False).encode()
    ts = r["request_headers"]["X-CmsUser-Timestamp"]
    mac = "sha256=" + hmac.new(secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, r["request_headers"]["X-CmsUser-Signature"]):
        bad += 1
    r["seq"] = i + 1
    rows.append(r)
with open(out, "w") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(f"  {len(rows)} calls recorded in {out}; signatures verified: {len(rows) - bad}/{len(rows)}")
sys.exit(1 if bad else 0)
PY
[ "$failures" = 0 ] && log "all checks passed" || { log "$failures check(s) failed"; exit 1; }
