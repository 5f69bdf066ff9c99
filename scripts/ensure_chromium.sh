#!/usr/bin/env bash
# Debian's Chromium for the page tests: Playwright drives this binary (nothing downloads a browser build here).
# Installs the `chromium` package when it is missing and apt is usable; without it the browser tests skip (and
# fail under CI=true).
set -u
found() { command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; }
found && exit 0
if command -v apt-get >/dev/null 2>&1; then
  as_root=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && as_root="sudo -n"
  export DEBIAN_FRONTEND=noninteractive
  $as_root apt-get install -y -q chromium >/dev/null 2>&1 \
    || { $as_root apt-get update -q >/dev/null 2>&1 && $as_root apt-get install -y -q chromium >/dev/null 2>&1; }
fi
found && exit 0
echo "Debian's chromium is not installed (apt-get install chromium); browser tests will skip (or fail under CI=true)" >&2
exit 0
