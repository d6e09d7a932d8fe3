#!/usr/bin/env bash
# bench/http/run.sh — Streamable HTTP benchmark of eks-sre-mcp next to two reference MCP servers.
#
#   bench/http/run.sh [EKS_SRE_MCP [HTTP_BENCH]] [-- HTTP_BENCH_OPTIONS...]
#
# EKS_SRE_MCP  our binary   (default build/ci/app/eks-sre-mcp)
# HTTP_BENCH   the driver   (default build/ci/bench/http/http_bench)
# Options after `--` go to every http_bench run (e.g. `-- --seconds 5 --connections 32`).
# Builds nothing: build first (cmake --preset ci && cmake --build --preset ci).
#
# Servers, all on 127.0.0.1, all offline, one after the other with the same driver:
#   eks-sre-mcp            serve --transport http; cheap tool server_status. Its state directory (the audit
#                          log, fsynced on every tool call) is on /dev/shm when present, so that the figures
#                          measure the server and not the disk; set EKS_BENCH_STATE_DIR to choose.
#   kubernetes-mcp-server  0.0.67, the Go binary, --port P --bind-address 127.0.0.1, with a throwaway
#                          kubeconfig (https://127.0.0.1:1); cheap tool configuration_view (no API call)
#   server-everything      @modelcontextprotocol/server-everything streamableHttp (PORT=P, kept on loopback
#                          by bench/http/loopback-only.mjs); cheap tool echo
# Each does ping and tools/call with 1, 8, 32 and 128 connections (one session each), then reports the
# resident memory added by 500 idle sessions; with wrk installed, also wrk's ping on one session with 32
# connections (bench/http/wrk-ping.lua).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OURS=build/ci/app/eks-sre-mcp
DRIVER=build/ci/bench/http/http_bench
positional=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --) shift; break ;;
    -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *)
      case $positional in
        0) OURS=$1 ;;
        1) DRIVER=$1 ;;
        *) echo "run.sh: unexpected argument '$1' (options for http_bench go after --)" >&2; exit 2 ;;
      esac
      positional=$((positional + 1)); shift ;;
  esac
done
abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$ROOT/$1" ;; esac; }
OURS=$(abspath "$OURS")
DRIVER=$(abspath "$DRIVER")
[[ -x "$DRIVER" ]] || { echo "run.sh: no http_bench at $DRIVER — build it first" >&2; exit 1; }
[[ -x "$OURS" ]] || { echo "run.sh: no eks-sre-mcp at $OURS — build it first" >&2; exit 1; }

TESTS="$ROOT/tests"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64)  K8S_BIN="$TESTS/node_modules/kubernetes-mcp-server-linux-amd64/bin/kubernetes-mcp-server-linux-amd64" ;;
  Linux-aarch64) K8S_BIN="$TESTS/node_modules/kubernetes-mcp-server-linux-arm64/bin/kubernetes-mcp-server-linux-arm64" ;;
  *) K8S_BIN="$TESTS/node_modules/.bin/kubernetes-mcp-server" ;;
esac
EVERYTHING="$TESTS/node_modules/@modelcontextprotocol/server-everything/dist/index.js"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/eks-http-bench.XXXXXX")
STATE_PARENT=${EKS_BENCH_STATE_DIR:-$([[ -d /dev/shm ]] && echo /dev/shm || echo "$WORK")}
STATE=$(mktemp -d "$STATE_PARENT/eks-http-bench-state.XXXXXX")
PID=
cleanup() {
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$WORK" "$STATE"
}
trap cleanup EXIT
cat > "$WORK/kubeconfig" <<'KUBECONFIG'
apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster:
    server: https://127.0.0.1:1
contexts:
- name: bench
  context:
    cluster: bench
    user: bench
current-context: bench
users:
- name: bench
  user:
    token: not-a-real-token
KUBECONFIG
unset KUBECONFIG
export XDG_STATE_HOME="$STATE" XDG_CONFIG_HOME="$WORK/config" XDG_CACHE_HOME="$WORK/cache"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
cd "$WORK"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Waits (at most 15 s) until something answers HTTP on the port.
wait_port() {
  for _ in $(seq 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$PID" 2>/dev/null || { echo "run.sh: the server exited at start" >&2; return 1; }
    sleep 0.1
  done
  echo "run.sh: nothing listens on 127.0.0.1:$1 after 15 s" >&2
  return 1
}
# With wrk installed (not needed otherwise): ping on one session, 32 connections, as a second opinion.
wrk_ping() {  # name port
  command -v wrk >/dev/null || return 0
  local url="http://127.0.0.1:$2/mcp" answer session version
  answer=$(curl -si -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' "$url" \
    -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}')
  session=$(printf '%s' "$answer" | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: *\([^[:space:]]*\).*/\1/p')
  version=$(printf '%s' "$answer" | sed -n 's/.*"protocolVersion":"\([^"]*\)".*/\1/p' | head -n1)
  curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H "Mcp-Session-Id: $session" -H "MCP-Protocol-Version: $version" "$url" -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
  printf '%-22s ' "$1"
  MCP_SESSION=$session MCP_VERSION=$version wrk -t1 -c32 -d3s -s "$ROOT/bench/http/wrk-ping.lua" "$url" | grep '^wrk:'
}
bench() {  # name port tool arguments
  "$DRIVER" --name "$1" --url "http://127.0.0.1:$2/mcp" --tool "$3" --arguments "$4" --idle-sessions 500 --pid "$PID" "${@:5}"
  wrk_ping "$1" "$2"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
}

echo "HTTP benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(uname -sm), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg),\
 $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1), node $(node --version)"
echo

port=$(free_port)
"$OURS" serve --transport http --listen "127.0.0.1:$port" --log-level warn 2>"$WORK/ours.log" & PID=$!
wait_port "$port"
bench eks-sre-mcp "$port" server_status '{}' "$@"

port=$(free_port)
"$K8S_BIN" --kubeconfig "$WORK/kubeconfig" --port "$port" --bind-address 127.0.0.1 2>"$WORK/k8s.log" >&2 & PID=$!
wait_port "$port"
bench kubernetes-mcp-server "$port" configuration_view '{"minified":true}' "$@"

port=$(free_port)
PORT=$port NODE_OPTIONS="--import=$ROOT/bench/http/loopback-only.mjs" node "$EVERYTHING" streamableHttp >"$WORK/everything.log" 2>&1 & PID=$!
wait_port "$port"
bench server-everything "$port" echo '{"message":"hi"}' "$@"
