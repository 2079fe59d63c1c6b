#!/usr/bin/env bash
# Installs Debian packages that tests need when they are missing:
#   scripts/setup-debian.sh redis-server chromium tesseract=tesseract-ocr,tesseract-ocr-ara
# Each argument is a command name that is also its package name, or
# WHAT=PKG[,PKG…]: the packages to install when WHAT (a command name, or an
# absolute path to a file) is missing.
set -euo pipefail
missing=()
for arg in "$@"; do
  what=${arg%%=*}
  pkgs=$what
  [[ $arg == *=* ]] && pkgs=${arg#*=}
  if [[ $what == /* ]]; then
    [ -e "$what" ] && continue
  else
    command -v "$what" >/dev/null 2>&1 && continue
  fi
  IFS=, read -r -a list <<<"$pkgs"
  missing+=("${list[@]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup-debian: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
