#!/bin/sh
# Usage: tree.sh MARKER
# Starts two grandchildren that carry MARKER in their argv: one stays in the group and ignores
# TERM, one leaves the group and session with setsid. Then waits.
m="$1"
sh -c 'trap "" TERM; while :; do sleep 1; done' "$m-ignoring" &
setsid sh -c 'while :; do sleep 1; done' "$m-setsid" &
echo ready
wait
