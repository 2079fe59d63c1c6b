#!/usr/bin/env bash
# The main job on the bundled sample data: `rasd run` with examples/rasd.yaml
# (sample posts → normalise → score → index → review queue, with the web UI).
# On first use it creates two sample accounts, an admin and an analyst, and
# keeps their generated passwords in rasd-data/sample-accounts.txt (mode 0600).
set -euo pipefail
cd "$(dirname "$0")/.."
cfg=examples/rasd.yaml
data=rasd-data
accounts="$data/sample-accounts.txt"
mkdir -p "$data"
if [ ! -s "$accounts" ]; then
  umask 077
  : >"$accounts"
  for pair in admin:admin analyst:analyst; do
    name=${pair%%:*} role=${pair##*:}
    pw=$(./bin/rasd user add "$name" --role "$role" --config "$cfg" | sed -n 's/^password: //p')
    printf '%s %s %s\n' "$name" "$role" "$pw" >>"$accounts"
  done
fi
listen=$(sed -n 's/^listen: *\([^ #]*\).*/\1/p' "$cfg")
echo "rasd: log in at http://${listen:-127.0.0.1:8080}/login with a sample account (name role password):"
sed 's/^/  /' "$accounts"
echo "rasd: manage accounts with ./bin/rasd user add|list|disable|passwd|role --config $cfg (while rasd run is stopped)"
exec ./bin/rasd run --config "$cfg"
