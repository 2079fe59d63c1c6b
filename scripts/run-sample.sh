#!/usr/bin/env bash
# The main job on the bundled sample data: `rasd run` with examples/rasd.yaml
# (sample posts → normalise → score → index → review queue, with the web UI).
# On first use it creates one sample account per role (admin, analyst, senior,
# researcher, auditor) and keeps their generated passwords in
# rasd-data/sample-accounts.txt (mode 0600); accounts missing from an older
# file are added.
set -euo pipefail
cd "$(dirname "$0")/.."
cfg=examples/rasd.yaml
data=rasd-data
accounts="$data/sample-accounts.txt"
mkdir -p "$data"
umask 077
touch "$accounts"
for pair in admin:admin analyst:analyst senior:senior researcher:researcher auditor:auditor; do
  name=${pair%%:*} role=${pair##*:}
  grep -q "^$name " "$accounts" && continue
  pw=$(./bin/rasd user add "$name" --role "$role" --config "$cfg" | sed -n 's/^password: //p')
  printf '%s %s %s\n' "$name" "$role" "$pw" >>"$accounts"
done
# Referral packages name the sending organisation; the sample names one so
# that a new user can walk a post to an exported package. Set both to your
# organisation's before sending anything.
export RASD_NOTIFIER_NAME="${RASD_NOTIFIER_NAME:-Rasd sample observatory}"
export RASD_NOTIFIER_EMAIL="${RASD_NOTIFIER_EMAIL:-referrals@example.org}"
listen=$(sed -n 's/^listen: *\([^ #]*\).*/\1/p' "$cfg")
echo "rasd: log in at http://${listen:-127.0.0.1:8080}/login with a sample account (name role password):"
sed 's/^/  /' "$accounts"
echo "rasd: manage accounts with ./bin/rasd user add|list|disable|passwd|role --config $cfg (while rasd run is stopped)"
exec ./bin/rasd run --config "$cfg"
