#!/usr/bin/env bash
# Installs the ONNX Runtime shared library that rasd loads for inference.
# It comes from the npm package onnxruntime-node, which ships
# libonnxruntime.so.1 for linux/x64; it is kept in the git-ignored cache
# folder .cache/onnxruntime (the binary's default path) and nothing else is touched.
set -euo pipefail
version="${ORT_NODE_VERSION:-1.30.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/onnxruntime"
if [ -f "$dest/libonnxruntime.so.1" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "setup-ort: npm is needed (apt-get install npm)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "setup-ort: fetching onnxruntime-node@$version through npm" >&2
(cd "$tmp" && npm pack --silent "onnxruntime-node@$version" >/dev/null)
tar -xzf "$tmp"/onnxruntime-node-*.tgz -C "$tmp" package/bin/napi-v6/linux/x64
src="$tmp/package/bin/napi-v6/linux/x64"
mkdir -p "$dest"
cp "$src"/libonnxruntime.so* "$dest"/
ls "$src" | grep -q providers_shared && cp "$src"/libonnxruntime_providers_* "$dest"/ 2>/dev/null || true
echo "$version" > "$dest/VERSION"
echo "setup-ort: installed $(ls "$dest" | tr '\n' ' ')in $dest" >&2
