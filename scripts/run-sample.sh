#!/usr/bin/env bash
# The main job on bundled sample data. Grows with the pipeline: for now it
# normalises the sample posts and prints them.
set -euo pipefail
cd "$(dirname "$0")/.."
./bin/rasd normalize --jsonl --in testdata/sample/posts.jsonl
