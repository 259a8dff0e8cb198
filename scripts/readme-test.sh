#!/usr/bin/env bash
# Runs the README's shell commands, as written, in a fresh clone of this
# repository, and fails when one of them fails or answers a GraphQL error.
#
#   bash scripts/readme-test.sh [path/to/tandem]
#
# (README_TEST_WORKTREE=1 applies the checkout's uncommitted changes to the
# clone first.)
#
# Every ```sh block of README.md must be preceded by a marker comment saying
# what to do with it, so that a new block cannot go untested by accident:
#
#   <!-- readme-test: run -->             run it (after the server started)
#   <!-- readme-test: serve -->           it starts the server: run it in the
#                                         background, wait for /health, keep
#                                         it for the blocks after (a later
#                                         serve block replaces it)
#   <!-- readme-test: serve-once -->      start it on a second port, wait for
#                                         /health, stop it
#   <!-- readme-test: skip: <why> -->     do not run it, for the reason given
#   <!-- readme-test: setup: <step> -->   (any number, before the marker) a
#                                         step of this script's to run first:
#                                         what a reader has at hand (their
#                                         password, a token, a client)
#
# `tandem` and `cargo run --release -- ...` run the binary given (default:
# a release build of the clone, which takes minutes), so that CI can use the
# debug binary it has just tested. The server the blocks expect at
# 127.0.0.1:8080 runs on a free port instead (TANDEM_BIND and the URLs in the
# blocks are rewritten), and the PostgreSQL block's database `tandem` is a
# fresh database of the run, dropped at the end.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
pg_db="tandem_readme_$$"
servers=()
cleanup() {
  stop_servers
  dropdb --if-exists -h 127.0.0.1 -U postgres "$pg_db" 2>/dev/null || true
  rm -rf "$work"
}
# Servers run in a session of their own, so that stopping one stops the
# shell of its block and the server it started.
stop_servers() {
  for pid in "${servers[@]:-}"; do
    [ -n "$pid" ] || continue
    kill -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  servers=()
}
trap cleanup EXIT

bin=""
if [ $# -ge 1 ]; then
  bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
fi

git clone -q "$repo" "$work/clone"
cd "$work/clone"
# README_TEST_WORKTREE=1: with the checkout's uncommitted (staged or not)
# changes to tracked files, to try a change before committing it.
if [ "${README_TEST_WORKTREE:-}" = 1 ]; then
  git -C "$repo" diff --binary HEAD | git apply --allow-empty
fi

if [ -z "$bin" ]; then
  cargo build --release -q
  bin="$work/clone/target/release/tandem"
fi
[ -x "$bin" ] || { echo "readme-test: no tandem binary at $bin" >&2; exit 1; }

# `tandem` and `cargo run --release [-- args]` run $bin; other cargo
# commands go to cargo.
mkdir -p "$work/bin"
real_cargo="$(command -v cargo)"
cat > "$work/bin/tandem" <<EOF
#!/usr/bin/env sh
exec "$bin" "\$@"
EOF
cat > "$work/bin/cargo" <<EOF
#!/usr/bin/env sh
if [ "\$1" = run ] && [ "\$2" = --release ]; then
  shift 2
  [ "\${1:-}" = -- ] && shift
  exec "$bin" "\$@"
fi
exec "$real_cargo" "\$@"
EOF
chmod +x "$work/bin/tandem" "$work/bin/cargo"
export PATH="$work/bin:$PATH"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port="$(free_port)"
port2="$(free_port)"
export TANDEM_BIND="127.0.0.1:$port"
unset DATABASE_URL TANDEM_JWT_SECRET TANDEM_ADMIN_EMAIL TANDEM_ADMIN_PASSWORD || true

# A block's text with the run's port and database in place of the README's.
rewrite() {
  sed -e "s#127\.0\.0\.1:8080#127.0.0.1:$port#g" \
    -e "s#5432/tandem\\b#5432/$pg_db#g" \
    -e "s#-U postgres tandem\$#-U postgres $pg_db#"
}

wait_healthy() { # port, log
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "readme-test: the server did not come up on port $1:" >&2
  cat "$2" >&2
  return 1
}

# Setup steps a block may name.
admin_password() { # the first administrator's password, as the README's examples have it
  echo 'the-password' | tandem user set-password --email admin@tandem.local >/dev/null
}
api_token() { # TANDEM_TOKEN: an API token of the administrator's
  TANDEM_TOKEN="$(tandem token create --email admin@tandem.local --name readme-test --scope write)"
  export TANDEM_TOKEN
}
client_acme() { # the client ACME, and Carla's password in pw.txt
  local token
  token="$(curl -sf "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
    -d '{"query":"mutation { login(input: {email: \"admin@tandem.local\", password: \"the-password\"}) { accessToken } }"}' |
    jq -er .data.login.accessToken)"
  curl -sf "http://127.0.0.1:$port/graphql" -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"query":"mutation { createClient(input: {name: \"Acme Retail\", code: \"ACME\", defaultCurrency: \"EUR\", fiscalYearStartMonth: 4}) { client { id } } }"}' |
    jq -e .data.createClient.client.id >/dev/null
  printf 'carla-password-1\n' > pw.txt
}

# Splits README.md into numbered blocks with their markers.
python3 - "$work/blocks" <<'PY'
import os, re, sys
out = sys.argv[1]
os.makedirs(out)
lines = open("README.md").read().split("\n")
n = 0
i = 0
while i < len(lines):
    if lines[i].strip() == "```sh":
        n += 1
        markers = []
        j = i - 1
        while j >= 0 and (lines[j].strip() == "" or lines[j].strip().startswith("<!-- readme-test:")):
            m = re.match(r"<!-- readme-test: (.*) -->$", lines[j].strip())
            if m:
                markers.insert(0, m.group(1))
            j -= 1
        body = []
        i += 1
        while lines[i].strip() != "```":
            body.append(lines[i])
            i += 1
        kind = [m for m in markers if not m.startswith("setup:")]
        if len(kind) != 1:
            sys.exit(f"README.md line {i + 1 - len(body) - 1}: a sh block needs exactly one "
                     "<!-- readme-test: run|serve|serve-once|skip: why --> marker")
        with open(f"{out}/{n:03}.kind", "w") as f:
            f.write(kind[0])
        with open(f"{out}/{n:03}.setup", "w") as f:
            f.write("\n".join(m[len("setup:"):].strip() for m in markers if m.startswith("setup:")) + "\n")
        with open(f"{out}/{n:03}.sh", "w") as f:
            f.write("\n".join(body) + "\n")
    i += 1
print(f"readme-test: {n} sh blocks in README.md")
PY

ran=0
for block in "$work"/blocks/*.sh; do
  name="${block%.sh}"
  kind="$(cat "$name.kind")"
  rewrite < "$block" > "$name.run"
  first="$(head -n 1 "$block")"
  while read -r step; do
    [ -n "$step" ] || continue
    case "$step" in
      admin_password | api_token | client_acme) "$step" ;;
      *) echo "readme-test: unknown setup step '$step' before '$first'" >&2; exit 1 ;;
    esac
  done < "$name.setup"

  case "$kind" in
    run)
      echo "== run: $first"
      # A block fails when a command fails, or when it prints a GraphQL
      # error (curl without -f succeeds on a 401).
      if ! bash -euo pipefail "$name.run" > "$name.log" 2>&1 || grep -q '"errors":\[' "$name.log"; then
        echo "readme-test: this README block failed:" >&2
        cat "$block" >&2
        echo "-- its output:" >&2
        cat "$name.log" >&2
        exit 1
      fi
      ran=$((ran + 1))
      ;;
    serve)
      echo "== serve: $first"
      stop_servers
      setsid bash -euo pipefail "$name.run" > "$work/server.log" 2>&1 &
      servers+=("$!")
      wait_healthy "$port" "$work/server.log"
      ran=$((ran + 1))
      ;;
    serve-once)
      echo "== serve once: $first"
      TANDEM_BIND="127.0.0.1:$port2" setsid bash -euo pipefail "$name.run" > "$name.log" 2>&1 &
      pid="$!"
      wait_healthy "$port2" "$name.log"
      kill -- "-$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      ran=$((ran + 1))
      ;;
    skip:*)
      echo "== skip: $first (${kind#skip: })"
      ;;
    *)
      echo "readme-test: unknown marker '$kind' before '$first'" >&2
      exit 1
      ;;
  esac
done
# What the commands left behind is ignored by git: databases, the JWT
# secret generated next to a SQLite file.
for file in tandem.db tandem.db-wal tandem.db.jwt-secret demo.db demo.db.jwt-secret; do
  [ -e "$file" ] || { echo "readme-test: expected $file to exist" >&2; exit 1; }
  git check-ignore -q "$file" || { echo "readme-test: $file is not git-ignored" >&2; exit 1; }
done
echo "readme-test: $ran blocks ran as written"
