#!/usr/bin/env bash
# bench/run.sh — stdio benchmark of eks-sre-mcp next to two reference MCP servers (`make bench` calls this).
#
#   bench/run.sh [EKS_SRE_MCP [STDIO_BENCH]] [-- STDIO_BENCH_OPTIONS...]
#
# EKS_SRE_MCP  our binary   (default build/ci/app/eks-sre-mcp)
# STDIO_BENCH  the driver   (default build/ci/bench/stdio_bench)
# Options after `--` go to stdio_bench (e.g. `-- --runs 10 --seconds 1`, or `-- --json`).
# Builds nothing: build first (cmake --preset ci && cmake --build --preset ci).
#
# Servers, all over stdio, all offline:
#   eks-sre-mcp            serve --transport stdio --log-level warn
#   kubernetes-mcp-server  0.0.67, the Go binary from the npm package (not the Node shim in .bin, which would
#                          add Node's start-up to its cold start), with a throwaway kubeconfig whose context
#                          points at https://127.0.0.1:1 (it exits at start without a context; at start it
#                          tries that address once, which loopback refuses at once)
#   server-everything      @modelcontextprotocol/server-everything, `stdio` transport
# Ratios are relative to kubernetes-mcp-server.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OURS=build/ci/app/eks-sre-mcp
DRIVER=build/ci/bench/stdio_bench
positional=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --) shift; break ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *)
      case $positional in
        0) OURS=$1 ;;
        1) DRIVER=$1 ;;
        *) echo "run.sh: unexpected argument '$1' (options for stdio_bench go after --)" >&2; exit 2 ;;
      esac
      positional=$((positional + 1)); shift ;;
  esac
done

abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$ROOT/$1" ;; esac; }
OURS=$(abspath "$OURS")
DRIVER=$(abspath "$DRIVER")

if [[ ! -x "$DRIVER" ]]; then
  echo "run.sh: no stdio_bench at $DRIVER — build it first (cmake --preset ci && cmake --build --preset ci)" >&2
  exit 1
fi

TESTS="$ROOT/tests"
if [[ ! -x "$TESTS/node_modules/.bin/kubernetes-mcp-server" || ! -x "$TESTS/node_modules/.bin/mcp-server-everything" ]]; then
  "$ROOT/scripts/install-deps" >&2
fi

# The Go binary the npm shim would spawn, for this platform.
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64)  K8S_PKG=kubernetes-mcp-server-linux-amd64 ;;
  Linux-aarch64) K8S_PKG=kubernetes-mcp-server-linux-arm64 ;;
  Darwin-x86_64) K8S_PKG=kubernetes-mcp-server-darwin-amd64 ;;
  Darwin-arm64)  K8S_PKG=kubernetes-mcp-server-darwin-arm64 ;;
  *) K8S_PKG= ;;
esac
K8S_BIN="$TESTS/node_modules/$K8S_PKG/bin/$K8S_PKG"
if [[ -z "$K8S_PKG" || ! -x "$K8S_BIN" ]]; then
  echo "run.sh: no platform binary of kubernetes-mcp-server; using the Node shim (its cold start includes Node)" >&2
  K8S_BIN="$TESTS/node_modules/.bin/kubernetes-mcp-server"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/eks-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# A context that can never reach a cluster: port 1 on loopback refuses connections immediately.
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

# Keep every server away from the user's own configuration and state; run them in an empty directory
# (eks-sre-mcp reads ./eks-sre-mcp.yaml and ./.env).
unset KUBECONFIG
export XDG_STATE_HOME="$WORK/state" XDG_CONFIG_HOME="$WORK/config" XDG_CACHE_HOME="$WORK/cache"
mkdir -p "$XDG_STATE_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
cd "$WORK"

q() { printf '%q' "$1"; }  # stdio_bench splits commands on whitespace and honours backslash escapes
servers=()
if [[ -x "$OURS" ]]; then
  servers+=(--server "eks-sre-mcp=$(q "$OURS") serve --transport stdio --log-level warn")
else
  echo "run.sh: no eks-sre-mcp at $OURS — benchmarking the peers only" >&2
fi
servers+=(--server "kubernetes-mcp-server=$(q "$K8S_BIN") --kubeconfig $(q "$WORK/kubeconfig")")
servers+=(--server "server-everything=$(q "$TESTS/node_modules/.bin/mcp-server-everything") stdio")

header="stdio benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(uname -sm), $(nproc) cores,\
 $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1), node $(node --version)"
if [[ " $* " == *" --json "* ]]; then echo "$header" >&2; else printf '%s\n\n' "$header"; fi
"$DRIVER" --baseline kubernetes-mcp-server "$@" "${servers[@]}"
