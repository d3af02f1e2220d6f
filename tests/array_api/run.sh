#!/usr/bin/env bash
# The Array API standard's test suite (data-apis' array-api-tests) over an array module:
# kestrel.nd by default (ARRAY_API_TESTS_MODULE=numpy checks the harness), then passed / failed /
# skipped per test module. `make array-api` runs it.
#
# The suite is not on PyPI (no sdist, no wheel): it is a repository, data-apis/array-api-tests,
# with the standard's own repository (data-apis/array-api) as a git submodule at ./array-api.
# Point ARRAY_API_TESTS_DIR at such a checkout (submodule included); without one this script
# says so and exits 0. Its Python dependencies come from PyPI (tests/array_api/requirements.txt).
#
# Variables: PY (python3), ARRAY_API_TESTS_MODULE (kestrel.nd), ARRAY_API_TESTS_DIR
# (build-array-api/array-api-tests), ARRAY_API_TESTS_VERSION (2024.12, the standard kestrel.nd
# targets), MAX_EXAMPLES (hypothesis examples per test, 20; derandomized, so that two runs give
# the same counts), PYTEST_ARGS (more pytest arguments, e.g. "-k test_sum").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PY=${PY:-python3}
module=${ARRAY_API_TESTS_MODULE:-kestrel.nd}
suite=${ARRAY_API_TESTS_DIR:-$root/build-array-api/array-api-tests}
export ARRAY_API_TESTS_MODULE=$module
export ARRAY_API_TESTS_VERSION=${ARRAY_API_TESTS_VERSION:-2024.12}

if [ ! -f "$suite/array_api_tests/__init__.py" ]; then
  echo "array-api: no checkout of data-apis/array-api-tests at $suite (it is not on PyPI);"
  echo "  put one there (with its array-api submodule) or set ARRAY_API_TESTS_DIR. Skipped."
  exit 0
fi
if [ ! -d "$suite/array-api/spec/$ARRAY_API_TESTS_VERSION" ]; then
  echo "array-api: $suite/array-api lacks spec/$ARRAY_API_TESTS_VERSION: the checkout needs its"
  echo "  data-apis/array-api submodule (git submodule update --init)." >&2
  exit 2
fi
"$PY" -c "import hypothesis, ndindex, pytest, pytest_jsonreport" 2>/dev/null ||
  "$PY" -m pip install -q -r "$here/requirements.txt"
if ! "$PY" -c "import $module" 2>/dev/null; then
  echo "array-api: $module is not importable with $PY; nothing to test. Skipped."
  exit 0
fi

report=$(mktemp -d)
trap 'rm -rf "$report"' EXIT
rc=0
# The suite's own directory is the rootdir (its conftest.py and pytest.ini); skips.txt names
# what part 1 leaves to part 2. No deadline: the 2-core machines here are shared.
(cd "$suite" && "$PY" -m pytest array_api_tests -c pytest.ini --rootdir . -q -p no:cacheprovider -W ignore \
  --max-examples "${MAX_EXAMPLES:-20}" --derandomize --disable-deadline \
  --skips-file "$here/skips.txt" --junitxml "$report/junit.xml" ${PYTEST_ARGS:-} \
  > "$report/pytest.log" 2>&1) || rc=$?
tail -n 1 "$report/pytest.log"
[ -f "$report/junit.xml" ] || { cat "$report/pytest.log"; exit "$rc"; }
"$PY" "$here/summary.py" "$report/junit.xml" "$module" "$ARRAY_API_TESTS_VERSION"
exit "$rc"
