#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, test and run evbus.
# Debian packages only. Quick (no apt call at all) when everything is present.
set -euo pipefail

packages=(
  cmake make g++ pkg-config python3
  libboost-dev libconcurrentqueue-dev libmimalloc-dev rapidjson-dev
  libgtest-dev libbenchmark-dev
  clang clang-format libclang-rt-14-dev   # libFuzzer, format check, sanitizer runtimes
  spin                                    # Promela model checker for the ring protocol
  dpkg-dev                                # dpkg-shlibdeps: the .deb's Depends (cpack)
  pybind11-dev python3-dev python3-pytest  # the Python module (python/) and its tests
  libnats-dev nats-server                 # bridge/ (NATS JetStream) and its tests
  libhyperscan-dev                        # core/ redaction: secret literals and patterns
  prometheus chromium                     # evbus serve's tests: a real scraper, a real browser
  gnuplot-nox                             # make bench: the latency CDF plot
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "evbus setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "evbus setup: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "evbus setup: done" >&2
