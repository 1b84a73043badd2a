#!/bin/sh
# Usage: flaky.sh COUNTER_FILE FAILURES
# Counts its starts in COUNTER_FILE; the first FAILURES starts exit 1, later ones stay up.
n=$(cat "$1" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$1"
echo "start $n"
if [ "$n" -le "$2" ]; then
  echo "failing start $n" >&2
  exit 1
fi
exec sleep 100000
