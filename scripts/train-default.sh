#!/usr/bin/env bash
# Retrains the committed default model, models/default, from the train splits
# of ../shared/datasets (osact2020, lhsab, mlma) plus the Iraqi gold set's
# train split (eval/data/iraqi-gold/train.jsonl) when it exists; the gold
# set's dev and test splits are never used. Called by `make model` after
# bin/rasd is built. The same data and seed give a byte-identical model.onnx.
#
# Environment: RASD_DATASETS (default ../shared/datasets), MODEL_VERSION
# (default: today's date, YYYYMMDD), RASD_SEED (default 1).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
datasets="${RASD_DATASETS:-$root/../shared/datasets}"
rasd="$root/bin/rasd"
[ -x "$rasd" ] || (cd "$root" && go build -o bin/rasd ./cmd/rasd)
data=""
for s in osact2020 lhsab mlma; do
  f="$datasets/$s/train.jsonl"
  [ -f "$f" ] || { echo "train-default: $f is missing (set RASD_DATASETS)" >&2; exit 1; }
  data="$data${data:+,}$f"
done
gold="$root/eval/data/iraqi-gold/train.jsonl"
if [ -f "$gold" ]; then
  data="$data,$gold"
  echo "train-default: including the Iraqi gold set's train split ($gold)" >&2
else
  echo "train-default: no Iraqi gold set train split yet ($gold); public corpora only" >&2
fi
out="$root/models/default"
tmp="$(mktemp -d "$root/models/.default.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
"$rasd" train --data "$data" --out "$tmp" --name rasd-default \
  --version "${MODEL_VERSION:-$(date -u +%Y%m%d)}" --seed "${RASD_SEED:-1}"
mkdir -p "$out"
for f in model.onnx model-card.json MODEL_CARD.md; do
  mv "$tmp/$f" "$out/$f"
done
echo "train-default: wrote $out ($(du -h "$out/model.onnx" | cut -f1) model.onnx)" >&2
