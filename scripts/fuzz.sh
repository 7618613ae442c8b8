#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a while each, one after the other.
#
#   scripts/fuzz.sh            60 s per target (the CI mode)
#   scripts/fuzz.sh 600        10 minutes per target
#   scripts/fuzz.sh 600 redact one target
#
# cargo-fuzz wants nightly; only stable is installed here. RUSTC_BOOTSTRAP=1 lets stable rustc take
# the flags cargo-fuzz passes, and `-s none` turns off the sanitizer (AddressSanitizer needs nightly's
# -Zsanitizer; the code under test forbids `unsafe`, so the sanitizer would find little). Coverage
# instrumentation (sancov) and libFuzzer work on stable.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
shift || true
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(config redact secrets diff http_request)
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "== fuzzing $target for ${seconds}s"
  # -print_final_stats prints stat::number_of_executed_units at the end.
  cargo fuzz run -s none "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048
done
