#!/usr/bin/env bash
# Installs the outside programs the tests drive, if missing (Debian packages only):
#   influxd (InfluxDB 1.x, a real database for the tests), mosquitto_pub/_sub (an outside MQTT
#   client), chromium (the dashboard in a real browser).
# Runs as `npm test`'s first step so one command does all set-up on a fresh machine.
set -euo pipefail
need=()
command -v influxd >/dev/null 2>&1 || need+=(influxdb)
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0

echo "test setup: installing ${need[*]} from Debian's packages" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
  echo "test setup: need root (or sudo) to run: apt-get install -y ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
# The package may start a system influxd on :8086; tests run their own on free ports.
if command -v systemctl >/dev/null 2>&1; then "${sudo[@]}" systemctl stop influxdb >/dev/null 2>&1 || true; fi
