#!/usr/bin/env bash
# Benchmark of the report exports: seeds `tandem seed --scale N` into a new
# database, serves it with a release build, and downloads every report as
# CSV and JSON with one API token. Prints, per export, the time to the last
# byte, the rows and the bytes; then the server's peak resident memory.
#
#   scripts/bench-reports.sh [N]                      # SQLite in a temp dir
#   DATABASE_URL=postgres://.../tandem_bench scripts/bench-reports.sh 500
#
# The database must be new (seeding refuses one with clients); a temporary
# SQLite file is removed afterwards, a PostgreSQL database is left to you.
set -euo pipefail
cd "$(dirname "$0")/.."

n="${1:-100}"
tmp="$(mktemp -d)"
url="${DATABASE_URL:-sqlite://$tmp/bench.db?mode=rwc}"
bin=target/release/tandem
server=""

cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

cargo build --release -q
export DATABASE_URL="$url" TANDEM_LOG=warn \
  TANDEM_ADMIN_EMAIL=bench@tandem.example TANDEM_ADMIN_PASSWORD=bench-password-123
# PostgreSQL needs a signing key; SQLite would generate one beside its file.
export TANDEM_JWT_SECRET="${TANDEM_JWT_SECRET:-$(head -c 48 /dev/urandom | base64 | tr -d '\n')}"

echo "== seed --scale $n"
/usr/bin/time -f "seed: %e s, peak %M KiB" "$bin" seed --scale "$n" >/dev/null

"$bin" serve --bind 127.0.0.1:0 --workers 2 >"$tmp/serve.out" &
server=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$tmp/serve.out" 2>/dev/null && break
  sleep 0.1
done
address="$(sed -n 's/^Tandem is listening on //p' "$tmp/serve.out" | head -1)"
if [ -z "$address" ]; then echo "the server did not start" >&2; exit 1; fi
token="$("$bin" token create --email bench@tandem.example --name bench --scope read)"

echo "== exports from $address"
printf '%-40s %10s %10s %12s\n' export seconds rows bytes
for report in $("$bin" report --list | awk 'NR % 2 == 1 { print $1 }'); do
  for ext in csv json; do
    out="$tmp/$report.$ext"
    secs="$(curl -sSf -H "Authorization: Bearer $token" -o "$out" -w '%{time_total}' \
      "$address/reports/$report.$ext")"
    # CSV: a header line; JSON: the opening and closing bracket lines.
    if [ "$ext" = csv ]; then rows="$(($(wc -l <"$out") - 1))"; else rows="$(($(wc -l <"$out") - 2))"; fi
    printf '%-40s %10s %10s %12s\n' "$report.$ext" "$secs" "$rows" "$(wc -c <"$out")"
    rm -f "$out"
  done
done
echo "server peak resident memory: $(awk '/VmHWM/ { print $2, $3 }' "/proc/$server/status")"
