#!/bin/sh
# Writes audit/testdata/index-v3/chars{20,50}.idx.gz: character-mode indexes of
# audit/testdata/index-v3/train.jsonl in index file format 3, as the last
# version that wrote format 3 saved them. audit's TestReadIndexVersion3 loads
# them and checks that they find exactly what an index built now finds.
#
# Command (from the repository root; needs git, Go and gzip, about a minute):
#
#     sh testdata/gen/audit_index_v3.sh
#
# Made with commit 7670c20 (the last one with index format 3), Go 1.26.
set -eu
repo=$(pwd)
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/v3"; rm -rf "$tmp"' EXIT
git worktree add --detach "$tmp/v3" 7670c20
cd "$tmp/v3"
go build -o "$tmp/sophia-eval-v3" ./cmd/sophia-eval
for n in 20 50; do
	"$tmp/sophia-eval-v3" audit data --no-secrets --chars "$n" \
		--train "$repo/audit/testdata/index-v3/train.jsonl" \
		--eval "$repo/audit/testdata/index-v3/train.jsonl" \
		--index-out "$tmp/chars$n.idx" >/dev/null || [ $? -eq 2 ]
	gzip -9 -n -c "$tmp/chars$n.idx" >"$repo/audit/testdata/index-v3/chars$n.idx.gz"
done
