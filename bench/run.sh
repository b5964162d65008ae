#!/usr/bin/env bash
# Benchmark: the same wrk load directly on the fake backend and through nginx, Caddy and Warden
# (limits off, limits on, limits in Redis).
#
#   bash bench/run.sh                 # 3 rounds x 2 scenarios x 6 targets, 10 s each (~9 min)
#   QUICK=1 bash bench/run.sh         # 1 round, 3 s runs (~1 min): a smoke test
#   ROUNDS=5 DURATION=20s bash bench/run.sh
#   bash bench/run.sh -targets direct,nginx -keep   # extra arguments go to the runner (-h lists them)
#
# Installs nginx, caddy and wrk with apt-get when missing. Builds the fake backend, Warden and
# the runner into a temporary directory; if Warden does not build, its rows are "pending".
# Results: printed, and written to bench/out/results.md and bench/out/results.json.
set -euo pipefail

cd "$(dirname "$0")/.."

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v caddy >/dev/null 2>&1 || need+=(caddy)
NGINX=$(command -v nginx 2>/dev/null || true)
if [[ -z "$NGINX" && -x /usr/sbin/nginx ]]; then NGINX=/usr/sbin/nginx; fi
[[ -n "$NGINX" ]] || need+=(nginx)

if ((${#need[@]})); then
	echo "bench: installing ${need[*]} with apt-get"
	SUDO=()
	if [[ $(id -u) -ne 0 ]]; then SUDO=(sudo); fi
	export DEBIAN_FRONTEND=noninteractive
	if ! "${SUDO[@]}" apt-get install -y "${need[@]}"; then
		echo "bench: install failed; running apt-get update once and trying again"
		"${SUDO[@]}" apt-get update
		"${SUDO[@]}" apt-get install -y "${need[@]}"
	fi
	NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
fi

bin=$(mktemp -d "${TMPDIR:-/tmp}/warden-bench-bin.XXXXXX")
trap 'rm -rf "$bin"' EXIT

echo "bench: building the fake backend, the runner and Warden"
go build -o "$bin/fakebackend" ./bench/fakebackend
go build -o "$bin/runner" ./bench/runner
warden=()
if go build -o "$bin/warden" ./cmd/warden 2>"$bin/warden-build.log"; then
	warden=(-warden "$bin/warden")
else
	echo "bench: Warden does not build; its rows will be marked pending. Build errors:"
	head -n 20 "$bin/warden-build.log" | sed 's/^/    /'
fi

args=(-fakebackend "$bin/fakebackend" -nginx "$NGINX" "${warden[@]}")
if [[ "${QUICK:-0}" == 1 ]]; then args+=(-quick); fi
if [[ -n "${ROUNDS:-}" ]]; then args+=(-rounds "$ROUNDS"); fi
if [[ -n "${DURATION:-}" ]]; then args+=(-duration "$DURATION"); fi
if [[ -n "${WARMUP:-}" ]]; then args+=(-warmup "$WARMUP"); fi

# The runner stops every process it started, also on error or Ctrl-C.
"$bin/runner" "${args[@]}" "$@"
