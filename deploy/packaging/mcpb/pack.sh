#!/usr/bin/env bash
# Packs the MCPB bundle: manifest.json and the stripped binary under server/, validated and packed by the official
# CLI (@anthropic-ai/mcpb, pinned in tests/package.json).
#   deploy/packaging/mcpb/pack.sh BINARY OUT.mcpb
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
[ $# -eq 2 ] || { echo "usage: $0 BINARY OUT.mcpb" >&2; exit 2; }
binary="$1"
out="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
mcpb="$repo/tests/node_modules/.bin/mcpb"
[ -x "$mcpb" ] || { echo "$mcpb is missing: run scripts/install-deps" >&2; exit 2; }
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/server"
cp "$here/manifest.json" "$stage/"
strip -o "$stage/server/eks-sre-mcp" "$binary"
chmod 755 "$stage/server/eks-sre-mcp"
"$mcpb" validate "$stage/manifest.json"
"$mcpb" pack "$stage" "$out"
