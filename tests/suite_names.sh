#!/usr/bin/env bash
# tests/suite_names.sh: lists every GoogleTest suite name used in more than one folder of tests/
# (TEST, TEST_F, TEST_P, TYPED_TEST and INSTANTIATE_TEST_SUITE_P prefixes) and exits 1 if there is
# one, so that a suite name, in `ctest -N` or `ctest -R`, says which folder a test lives in.
# Usage: bash tests/suite_names.sh [TESTS_DIR]   (default: the folder of this script)
set -euo pipefail
dir=${1:-$(dirname "$0")}
clashes=$(
  for folder in "$dir"/*/; do
    name=$(basename "$folder")
    # One suite name a line, with its folder; a macro and its first argument may span lines.
    cat "$folder"*.cpp 2>/dev/null | tr '\n' ' ' |
      grep -oE '\b(TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P|INSTANTIATE_TEST_SUITE_P)\(\s*[A-Za-z0-9_]+' |
      sed -E 's/.*\(\s*//' | sort -u | sed "s|\$| $name|"
  done | sort | awk '{folders[$1] = folders[$1] " " $2; n[$1]++} END {for (s in n) if (n[s] > 1) print s ":" folders[s]}' | sort
)
if [[ -n $clashes ]]; then
  echo "suite names used in more than one folder of $dir:"
  echo "$clashes"
  exit 1
fi
echo "every suite name belongs to one folder of $dir"
