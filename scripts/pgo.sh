#!/usr/bin/env bash
# Regenerates cmd/mpstar/default.pgo, the CPU profile `go build` uses for
# profile-guided optimization of mpstar (Go's -pgo=auto). The profile is
# the benchmark workloads of scripts/bench at full size, every process of
# them (parent, children, pool workers), merged. Run it from anywhere after
# changing the interpreter's hot paths; it takes a few minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Profile a binary built without the old profile, so it does not steer
# the new one.
(cd "$root" && go build -pgo=off -o "$tmp/mpstar" ./cmd/mpstar)
mkdir "$tmp/prof"
cd "$root/scripts/bench"
for script in *.star; do
	[ "$script" = benchlib.star ] && continue
	MPSTAR_CPUPROFILE="$tmp/prof/${script%.star}" "$tmp/mpstar" "$script" >/dev/null
done
find "$tmp/prof" -size 0 -delete # processes killed before writing theirs
go tool pprof -proto "$tmp"/prof/* >"$root/cmd/mpstar/default.pgo"
echo "wrote cmd/mpstar/default.pgo from $(ls "$tmp/prof" | wc -l) profiles"
