#!/usr/bin/env bash
# Installs the ONNX Runtime shared library that rasd loads for inference.
#
#   scripts/setup-ort.sh          CPU: libonnxruntime.so.1 of the npm package
#                                 onnxruntime-node (1.30.0) into .cache/onnxruntime,
#                                 the binary's default path.
#   scripts/setup-ort.sh --gpu    CUDA: into .cache/onnxruntime-gpu, the core
#                                 libonnxruntime.so.1 of onnxruntime-node@1.29.0
#                                 (built with the CUDA provider bridge) and
#                                 libonnxruntime_providers_{cuda,shared}.so of ONNX
#                                 Runtime 1.29.0 from the npm package
#                                 com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9
#                                 (MIT, Plugins/Linux/x64/). The providers are built
#                                 for CUDA 13 and cuDNN 9, which the GPU host must
#                                 have (scripts/gpu-check finds them). Use it with
#                                 `--device cuda --ort-lib .cache/onnxruntime-gpu/libonnxruntime.so.1`.
#                                 asus4's own core library is built without CUDA
#                                 and is not used.
#
# Packages are fetched with `npm pack`; only the cache folder is written.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
gpu=false
case "${1:-}" in
  "") ;;
  --gpu) gpu=true ;;
  -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 0 ;;
  *) echo "setup-ort: unknown argument $1 (want nothing or --gpu)" >&2; exit 2 ;;
esac
if $gpu; then
  version="${ORT_NODE_GPU_VERSION:-1.29.0}"
  providers="${ORT_GPU_PROVIDERS:-com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9}"
  dest="$root/.cache/onnxruntime-gpu"
  stamp="$version+$providers"
else
  version="${ORT_NODE_VERSION:-1.30.0}"
  dest="$root/.cache/onnxruntime"
  stamp="$version"
fi
if [ -f "$dest/libonnxruntime.so.1" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "setup-ort: npm is needed (apt-get install npm)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "setup-ort: fetching onnxruntime-node@$version through npm" >&2
(cd "$tmp" && npm pack --silent "onnxruntime-node@$version" >/dev/null)
tar -xzf "$tmp"/onnxruntime-node-*.tgz -C "$tmp" package/bin/napi-v6/linux/x64
src="$tmp/package/bin/napi-v6/linux/x64"
[ -f "$src/libonnxruntime.so.1" ] || { echo "setup-ort: onnxruntime-node@$version has no linux/x64 libonnxruntime.so.1" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
cp "$src"/libonnxruntime.so* "$dest"/
if $gpu; then
  echo "setup-ort: fetching $providers through npm" >&2
  mkdir -p "$tmp/gpu"
  (cd "$tmp/gpu" && npm pack --silent "$providers" >/dev/null)
  tar -xzf "$tmp"/gpu/*.tgz -C "$tmp/gpu" package/Plugins/Linux/x64
  for f in libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so; do
    [ -f "$tmp/gpu/package/Plugins/Linux/x64/$f" ] || { echo "setup-ort: $providers has no Plugins/Linux/x64/$f" >&2; exit 1; }
    cp "$tmp/gpu/package/Plugins/Linux/x64/$f" "$dest/"
  done
  tar -xzf "$tmp"/gpu/*.tgz -C "$tmp/gpu" package/LICENSE && cp "$tmp/gpu/package/LICENSE" "$dest/LICENSE.providers"
else
  ls "$src" | grep -q providers_shared && cp "$src"/libonnxruntime_providers_* "$dest"/ 2>/dev/null || true
fi
echo "$stamp" > "$dest/VERSION"
echo "setup-ort: installed $(ls "$dest" | tr '\n' ' ')in $dest" >&2
