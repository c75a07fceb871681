#!/usr/bin/env bash
# Install the Debian packages the real-process tests start (idempotent).
#   prometheus-alertmanager  Alertmanager, the alert receiver of the delivery tests
#   prometheus               promtool, which checks and unit-tests the exported alerting rules
#   postgresql               the PostgreSQL server the persistence tests also run against
#   chromium                 the browser the web app's tests drive through Playwright (never a
#                            browser Playwright downloads: `playwright install` is not used)
# As root with apt-get: installs what is missing. Otherwise: prints what to install and
# leaves the tests to skip (under CI=true they fail instead, see tests/e2e/conftest.py).
set -euo pipefail

missing=()
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "test dependencies missing: ${missing[*]} (install with: apt-get install ${missing[*]});" \
         "the tests that need them will skip" >&2
    exit 0
fi
echo "installing test dependencies: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packages' own services are not wanted: the tests start private instances on free ports.
for service in prometheus prometheus-alertmanager postgresql; do
    if command -v service >/dev/null 2>&1; then service "$service" stop >/dev/null 2>&1 || true; fi
done
echo "installed: ${missing[*]}"
