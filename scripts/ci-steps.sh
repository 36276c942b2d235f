#!/usr/bin/env bash
# The steps of .github/workflows/gilbench.yml, one per argument, so that a test
# (tests/test_workflow.py) and a maintainer can run exactly what CI runs:
#
#   sweep          tox -e bench-gil,bench-ft (one interleaved sweep), $GILBENCH_SWEEP_ARGS
#   report         tox -e analysis (results/report/, the trend from results/history/)
#   gate-ab        tox -e regress -- ab --base-ref $GILBENCH_BASE_REF (default: the merge
#                  base with the default branch); exit 1 on a regression, a warning when
#                  inconclusive; $GILBENCH_GATE_ARGS are added to its options
#                  (tests/test_workflow.py: a quicker gate with a known slowdown)
#   gate-baseline  tox -e regress -- check (the committed baseline of this machine class)
#
# A gate that is inconclusive (exit 2) does not fail the step: on GitHub it becomes a
# warning annotation. Every other non-zero status fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
TOX=(python3 -m tox)

gate() {
    local code=0
    "${TOX[@]}" -e regress -- "$@" || code=$?
    case "$code" in
        0) ;;
        2) echo "::warning title=gilbench gate::inconclusive: the data cannot decide (see the report)" ;;
        *) exit "$code" ;;
    esac
}

for step in "$@"; do
    case "$step" in
        sweep)
            # shellcheck disable=SC2086  # the arguments are a list on purpose
            "${TOX[@]}" -e bench-gil,bench-ft -- ${GILBENCH_SWEEP_ARGS:-} ;;
        report) "${TOX[@]}" -e analysis ;;
        gate-ab)
            base=()
            if [ -n "${GILBENCH_BASE_REF:-}" ]; then base=(--base-ref "$GILBENCH_BASE_REF"); fi
            # shellcheck disable=SC2086  # the arguments are a list on purpose
            gate ab "${base[@]}" ${GILBENCH_GATE_ARGS:-} ;;
        gate-baseline) gate check ;;
        *) echo "ci-steps.sh: unknown step '$step' (sweep, report, gate-ab, gate-baseline)" >&2; exit 64 ;;
    esac
done
