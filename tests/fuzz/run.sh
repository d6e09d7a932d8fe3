#!/usr/bin/env bash
# `make fuzz`: runs every fuzz target of build/fuzz for FUZZ_SECONDS (default 60) each, one after another (one
# core), and prints a table of executions/s and coverage. Each target starts from its committed seeds
# (tests/fuzz/corpus/<target>) merged into a scratch corpus under build/fuzz/corpus/<target>, which keeps what it
# grows between runs and is never committed. Findings land in build/fuzz/artifacts/<target>/. Every run is also
# appended to build/fuzz/runs.tsv, so the seconds run per target add up across runs.
#   FUZZ_SECONDS=600 make fuzz            ten minutes each
#   FUZZ_TARGETS="yaml jwt" make fuzz     some targets only
#   FUZZ_TIMEOUT=60 make fuzz             seconds one input may take before it counts as a hang (default 10); raise
#                                         it when a build shares the machine, or a starved run reports false hangs
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds="${FUZZ_SECONDS:-60}"
bin=build/fuzz/tests/fuzz
# The targets as tests/fuzz/CMakeLists.txt lists them ("name:library" lines).
targets="${FUZZ_TARGETS:-$(sed -n '/^set(EKS_FUZZ_TARGETS/,/)/p' tests/fuzz/CMakeLists.txt |
  sed -n 's/^ *\([a-z_]*\):.*/\1/p' | tr '\n' ' ')}"

dict_of() {
  case "$1" in
    http) echo tests/fuzz/dict/http.dict ;;
    jwt) echo tests/fuzz/dict/jwt.dict ;;
    yaml | snapshot | classifier | manifest_edit | agent_definition) echo tests/fuzz/dict/yaml.dict ;;
    jsonrpc | json_schema | messages | upstream_reply | github | prometheus) echo tests/fuzz/dict/json.dict ;;
  esac
}

rows=()
failed=0
for t in $targets; do
  corpus=build/fuzz/corpus/$t
  artifacts=build/fuzz/artifacts/$t
  log=build/fuzz/logs/$t.log
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
  dict="$(dict_of "$t")"
  echo "fuzzing $t for ${seconds}s" >&2
  started=$SECONDS
  "$bin/fuzz_$t" "$corpus" ${dict:+-dict=$dict} -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
  rc=$?
  ran=$((SECONDS - started))  # less than asked when a finding stopped the run
  # The last status line ("#N DONE cov: C ft: F corp: ... exec/s: E") and the final stats.
  status="$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -1)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  result=ok
  if ((rc != 0)); then
    result="FOUND (see $log, $artifacts)"
    failed=1
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$ran" "${execs:-?}" "${speed:-?}" \
    "${cov:-?}" "${ft:-?}" >>build/fuzz/runs.tsv
  rows+=("$(printf '%-17s %7s %12s %8s %6s %7s  %s' "$t" "$ran" "${execs:-?}" "${speed:-?}" "${cov:-?}" \
    "${ft:-?}" "$result")")
done

printf '\n%-17s %7s %12s %8s %6s %7s  %s\n' target seconds execs exec/s cov ft result
printf '%s\n' "${rows[@]}"
exit $failed
