#!/bin/sh
# Stand-in for a virtualmin-install.sh run that fails half-way, the way a
# host with a broken package mirror does.
echo "Welcome to the Virtualmin installer (test stand-in), arguments: $*"
i=0
while [ $i -lt 400 ]; do echo "Unpacking package-$i (1.0-1) ..."; i=$((i + 1)); done
echo "E: Unable to locate package virtualmin-core" >&2
echo "Fatal error: installing Virtualmin packages failed" >&2
exit 1
