#!/usr/bin/env bash
# System packages the tests need, from Debian: chromium (browser tests, driven by Playwright; never
# `playwright install`) and fonts-ipaexfont-gothic (Japanese glyphs in pages). Installs them with
# apt-get when missing and run as root; otherwise says what to install and fails.
set -euo pipefail
pkgs=(chromium fonts-ipaexfont-gothic)
if dpkg -s "${pkgs[@]}" >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
else
  echo "the tests need Debian's ${pkgs[*]}: sudo apt-get install ${pkgs[*]}" >&2
  exit 1
fi
