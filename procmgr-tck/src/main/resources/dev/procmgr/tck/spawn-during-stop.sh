#!/bin/sh
# Usage: spawn-during-stop.sh MARKER
# On TERM, forks a new grandchild carrying MARKER, then goes on ignoring TERM.
m="$1"
trap 'sh -c "trap \"\" TERM; while :; do sleep 1; done" "$m-late" &' TERM
echo ready
while :; do sleep 1; done
