#!/bin/sh
# Ignores TERM (and so do its children, which inherit the ignored disposition).
trap '' TERM
echo ready
while :; do sleep 1; done
