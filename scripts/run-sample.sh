#!/usr/bin/env bash
# The main job on the bundled sample data: `rasd run` with examples/rasd.yaml
# (sample posts → normalise → score → index → review queue, with the web UI).
# On first use it creates one sample account per role (admin, analyst, senior,
# researcher, auditor) and keeps their generated passwords in
# rasd-data/sample-accounts.txt (mode 0600); accounts missing from an older
# file are added. Senior and admin accounts must use two-factor login: the
# sample ones are enrolled at once and their demo TOTP secret and otpauth://
# URI are kept in the same file (add the secret to an authenticator app, or
# compute a code from it); sample accounts made before that enrol at their
# first login.
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
  totp=
  case $role in senior | admin) totp=--totp ;; esac
  out=$(./bin/rasd user add "$name" --role "$role" --config "$cfg" $totp)
  pw=$(printf '%s\n' "$out" | sed -n 's/^password: //p')
  printf '%s %s %s\n' "$name" "$role" "$pw" >>"$accounts"
  if [ -n "$totp" ]; then
    printf '%s\n' "$out" | sed -n 's/^totp secret: /    DEMO ONLY, two-factor secret: /p; s/^totp uri: /    DEMO ONLY, otpauth URI: /p; s/^recovery codes: /    DEMO ONLY, recovery codes: /p' >>"$accounts"
  fi
done
# Referral packages name the sending organisation; the sample names one so
# that a new user can walk a post to an exported package. Set both to your
# organisation's before sending anything.
export RASD_NOTIFIER_NAME="${RASD_NOTIFIER_NAME:-Rasd sample observatory}"
export RASD_NOTIFIER_EMAIL="${RASD_NOTIFIER_EMAIL:-referrals@example.org}"
listen=$(sed -n 's/^listen: *\([^ #]*\).*/\1/p' "$cfg")
echo "rasd: log in at http://${listen:-127.0.0.1:8080}/login with a sample account (name role password; senior and admin"
echo "      also ask for a TOTP code from the demo secret below them: sample accounts only, never for real use):"
sed 's/^/  /' "$accounts"
echo "rasd: manage accounts with ./bin/rasd user add|list|disable|passwd|role|totp reset|sessions|revoke --config $cfg (while rasd run is stopped)"
exec ./bin/rasd run --config "$cfg"
