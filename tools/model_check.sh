#!/usr/bin/env bash
# Model-checks the ring protocol (docs/model/ring.pml) with SPIN.
#
# The correct model must pass every configuration; each deliberately broken
# variant must produce a counterexample, which shows the checks can fail.
# Exit status 0 only if both hold. Needs spin and a C compiler.
#
# Usage: tools/model_check.sh [work_dir]   (default: a fresh temporary dir)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
model="$root/docs/model/ring.pml"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
cc="${CC:-cc}"
jobs="$(nproc 2>/dev/null || echo 2)"
failures=0

command -v spin >/dev/null || { echo "model_check: spin not found; run tools/setup.sh" >&2; exit 2; }

# run NAME EXPECT PAN_FLAGS -- SPIN_DEFINES...   (checks the model in $model)
#   EXPECT is "pass" or "fail". pan's exit status is ignored: its report decides.
run() {
  local name="$1" expect="$2" pan_flags="$3"
  shift 4
  local dir="$work/$name"
  mkdir -p "$dir"
  local file
  file="$(basename "$model")"
  cp "$model" "$dir/$file"
  local start end
  start=$(date +%s.%N)
  (
    cd "$dir"
    spin -a "$@" "$file" >spin.log 2>&1
    # -DSAFETY is added for safety-only runs; liveness runs need cycle detection.
    local extra=""
    [[ "$pan_flags" == *-a* ]] || extra="-DSAFETY"
    "$cc" -O2 -w -DCOLLAPSE -DVECTORSZ=2048 $extra -o pan pan.c
    ./pan -m200000 $pan_flags >pan.log 2>&1 || true
  )
  end=$(date +%s.%N)
  local errors states
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/pan.log" | head -n1)
  states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$dir/pan.log" | head -n1)
  local what
  what=$(grep -m1 -E '^pan:[0-9]+: ' "$dir/pan.log" | sed -E 's/^pan:[0-9]+: *//' || true)
  local verdict="ok"
  if [[ -z "$errors" ]]; then
    verdict="NO RESULT"; failures=$((failures + 1))
  elif [[ "$expect" == pass && "$errors" != 0 ]]; then
    verdict="FAILED (violation in the correct model)"; failures=$((failures + 1))
  elif [[ "$expect" == fail && "$errors" == 0 ]]; then
    verdict="FAILED (broken variant not caught)"; failures=$((failures + 1))
  fi
  printf '%-28s expect %-4s errors=%-2s states=%-9s %5.1fs  %s %s\n' "$name" "$expect" \
    "${errors:-?}" "${states:-?}" "$(echo "$end - $start" | bc)" "$verdict" \
    "${what:+[$what]}"
  if [[ "$verdict" != ok ]]; then tail -n 30 "$dir/pan.log" >&2; fi
}

echo "model check: $model (work dir $work)"
# The correct protocol. "durable": 2 producers (one may die at any step), one
# durable reader that gates them; 6 ids over 4 index slots and 4 data units.
# "lapped": no durable reader, one reader that is lapped; the data ring is
# large enough for N+1 records of the largest size (see README).
run durable             pass ""   -- -DNO_NONDURABLE -DMAXID=6 -DCAP=4
run durable-liveness    pass "-a" -- -DNO_NONDURABLE -DMAXID=6 -DCAP=4 -DLIVENESS
run lapped              pass ""   -- -DNO_DURABLE -DMAXID=6 -DCAP=10
# Deliberately broken variants: each must be caught.
run broken-no-recheck        fail "" -- -DNO_DURABLE -DMAXID=6 -DCAP=10 -DBROKEN_NO_RECHECK
run broken-later-lap-stale   fail "" -- -DNO_DURABLE -DMAXID=6 -DCAP=10 -DBROKEN_LATER_LAP_AS_STALE
run broken-no-liveness       fail "" -- -DNO_NONDURABLE -DMAXID=6 -DCAP=4 -DBROKEN_NO_LIVENESS
run broken-anon-claiming     fail "" -- -DNO_NONDURABLE -DMAXID=6 -DCAP=4 -DBROKEN_ANON_CLAIMING
run broken-no-gating         fail "" -- -DNO_NONDURABLE -DMAXID=6 -DCAP=4 -DBROKEN_NO_GATING
run small-data-ring          fail "" -- -DNO_DURABLE -DMAXID=6 -DCAP=4

# Sleeper sets (docs/model/sleepers.pml): a sleeper killed asleep, its slot
# taken over, a live one beside it; no live sleeper's bit is cleared and no
# wake-up is lost. Each broken variant must be caught.
model="$root/docs/model/sleepers.pml"
echo "model check: $model"
run sleepers                 pass "" --
run sleepers-no-recheck      fail "" -- -DBROKEN_NO_RECHECK
run sleepers-no-version      fail "" -- -DBROKEN_NO_VERSION
run sleepers-probe-first     fail "" -- -DBROKEN_PROBE_FIRST
run sleepers-seen-after-join fail "" -- -DBROKEN_SEEN_AFTER_JOIN
run sleepers-memo-bits       fail "" -- -DBROKEN_MEMO_BITS

# Takeover of a dead restartable producer's claim (docs/model/takeover.pml):
# never a rewrite of a committed record, never an early abandon of a
# restartable claim, and a claimer killed between its claim CAS and its
# claimant store is finished by its restart (T4; "no-intent", the protocol
# before the claim intent, loses it). Each broken variant must be caught.
model="$root/docs/model/takeover.pml"
echo "model check: $model"
run takeover                 pass "" --
run takeover-two-takers      pass "" -- -DTAKERS=2 -DMAXDEATHS=3
run takeover-restart         pass "" -- -DRESTART_AFTER_DEATH
run takeover-lost-cas        pass "" -- -DOTHER -DMAXDEATHS=2
run takeover-restart-lost-cas pass "" -- -DRESTART_AFTER_DEATH -DOTHER -DMAXDEATHS=2
run takeover-hold            pass "" -- -DHOLD -DRESTART_AFTER_DEATH
run takeover-hold-lost-cas   pass "" -- -DHOLD -DRESTART_AFTER_DEATH -DOTHER -DMAXDEATHS=2
run takeover-no-intent       fail "" -- -DRESTART_AFTER_DEATH -DNO_INTENT
run takeover-hold-ignored    fail "" -- -DHOLD -DRESTART_AFTER_DEATH -DBROKEN_HOLD_IGNORED
run takeover-intent-live-only fail "" -- -DRESTART_AFTER_DEATH -DBROKEN_INTENT_LIVE_ONLY
run takeover-early-abandon   fail "" -- -DBROKEN_EARLY_ABANDON
run takeover-live-owner      fail "" -- -DBROKEN_TAKE_LIVE
run takeover-no-claimant-cas fail "" -- -DTAKERS=2 -DBROKEN_NO_CLAIMANT_CAS
run takeover-stale-first     fail "" -- -DBROKEN_STALE_CHECK_FIRST

if [[ $failures -ne 0 ]]; then
  echo "model check: $failures configuration(s) did not give the expected result" >&2
  exit 1
fi
echo "model check: all configurations gave the expected result"
