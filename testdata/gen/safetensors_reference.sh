#!/bin/bash
# Writes checkpoint/testdata/reference_verdicts.json: the verdict of the reference
# safetensors reader (SafeTensors::read_metadata of the Rust crate, which Python's
# safe_open calls) on every file of the seeded conformance corpus
# (internal/stfile.Corpus).
#
# usage: testdata/gen/safetensors_reference.sh [--seed N] [--registry DIR]
#            [--patch CRATE=DIR]... [--out FILE] SAFETENSORS_SRC WORKDIR
#
#   SAFETENSORS_SRC  a checkout of github.com/huggingface/safetensors; its
#                    safetensors/src/{lib,tensor,slice}.rs and README.md are copied,
#                    unchanged, into a scratch crate (see
#                    safetensors_reference/library.Cargo.toml).
#   WORKDIR          scratch directory for the crate, the build and the corpus files;
#                    created if missing, outside this repository.
#   --seed N         corpus seed (default 1; checkpoint/reference_test.go reads it
#                    back from the JSON).
#   --registry DIR   cargo directory source the dependencies come from (default
#                    Debian's /usr/share/cargo/registry, filled by
#                    apt-get install librust-serde-dev librust-serde-derive-dev
#                    librust-serde-json-dev librust-tempfile-dev). Nothing is
#                    downloaded: cargo runs offline.
#   --patch CRATE=DIR  build CRATE from the source directory DIR instead (cargo's
#                    [patch.crates-io]), e.g. serde_json=... for a newer release.
#   --out FILE       where to write the JSON (default
#                    checkpoint/testdata/reference_verdicts.json).
#
# Needs cargo and rustc >= 1.80 (the crate's rust-version), go and python3. The
# runner is built in release mode, as the Python wheel is (wrapping arithmetic).
set -euo pipefail

seed=1
registry=/usr/share/cargo/registry
patches=()
out=
while [ $# -gt 0 ]; do
	case "$1" in
	--seed) seed="$2"; shift 2 ;;
	--registry) registry="$2"; shift 2 ;;
	--patch) patches+=("$2"); shift 2 ;;
	--out) out="$2"; shift 2 ;;
	--) shift; break ;;
	-*) echo "unknown flag $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# -ne 2 ]; then
	sed -n '7,8p' "$0" | sed 's/^# //' >&2
	exit 2
fi
src=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case "$work/" in "$root"/*) echo "WORKDIR must be outside the repository" >&2; exit 2 ;; esac
out=${out:-$root/checkpoint/testdata/reference_verdicts.json}

# The scratch crates.
rm -rf "$work/safetensors" "$work/runner" "$work/corpus"
mkdir -p "$work/safetensors/src" "$work/runner/src" "$work/.cargo"
for f in src/lib.rs src/tensor.rs src/slice.rs README.md; do
	cp "$src/safetensors/$f" "$work/safetensors/$f"
done
cp "$here/safetensors_reference/library.Cargo.toml" "$work/safetensors/Cargo.toml"
cp "$here/safetensors_reference/Cargo.toml" "$work/runner/Cargo.toml"
cp "$here/safetensors_reference/src/main.rs" "$work/runner/src/main.rs"
cat >"$work/.cargo/config.toml" <<EOF
[source.crates-io]
replace-with = "local-registry"

[source.local-registry]
directory = "$registry"

[net]
offline = true
EOF
patched=""
if [ ${#patches[@]} -gt 0 ]; then
	printf '\n[patch.crates-io]\n' >>"$work/runner/Cargo.toml"
	for p in "${patches[@]}"; do
		name=${p%%=*}
		dir=$(cd "${p#*=}" && pwd)
		printf '%s = { path = "%s" }\n' "$name" "$dir" >>"$work/runner/Cargo.toml"
		rev=$(git -C "$dir" describe --tags --always 2>/dev/null || echo unknown)
		patched="$patched $name@$rev"
	done
fi
(cd "$work/runner" && cargo build --release --quiet)
runner="$work/runner/target/release/safetensors-reference-runner"

# The corpus, then the reference's verdicts in corpus order.
(cd "$root" && go run ./testdata/gen/safetensors_corpus -seed "$seed" -out "$work/corpus")
python3 -c 'import json,sys; print("\n".join(c["file"] for c in json.load(open(sys.argv[1]))["cases"]))' \
	"$work/corpus/cases.json" >"$work/corpus/files.txt"
(cd "$work/corpus" && xargs -d '\n' "$runner" <files.txt >"$work/verdicts.tsv")

commit=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo unknown)
describe=$(git -C "$src" log -1 --format='%cs %s' 2>/dev/null || echo unknown)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$src/safetensors/Cargo.toml" | head -1)
opts="--seed $seed"
for p in "${patches[@]+"${patches[@]}"}"; do opts="$opts --patch ${p%%=*}=DIR"; done
mkdir -p "$(dirname "$out")"
python3 - "$work" "$out" "$seed" "$commit" "$describe" \
	"$version" "$(rustc --version)" "$(cargo --version)" "$opts" "$patched" <<'EOF'
import json, sys, tomllib

work, out, seed, commit, describe, version, rustc, cargo, opts, patched = sys.argv[1:]
cases = json.load(open(f"{work}/corpus/cases.json"))["cases"]
verdicts = {}
for line in open(f"{work}/verdicts.tsv"):
    f = line.rstrip("\n").split("\t")
    verdicts[f[0]] = "ok" if f[1] == "ok" else f[2]
with open(f"{work}/runner/Cargo.lock", "rb") as fh:
    lock = tomllib.load(fh)
crates = {}
for p in lock["package"]:
    if p["name"] in ("serde", "serde_core", "serde_derive", "serde_json"):
        crates[p["name"]] = p["version"] + ("" if "source" in p else " (patched)")
head = {
    "what": "verdict of safetensors' SafeTensors::read_metadata on each file of "
            "internal/stfile.Corpus(seed): \"ok\", the error variant, or "
            "several variants joined with '|' when the verdict depends on the reader's "
            "HashMap order (64 reads per file)",
    "command": f"testdata/gen/safetensors_reference.sh {opts} SAFETENSORS_SRC WORKDIR",
    "seed": int(seed),
    "safetensors_version": version,
    "safetensors_commit": commit,
    "safetensors_commit_info": describe,
    "rustc": rustc,
    "cargo": cargo,
    "profile": "release",
    "crates": crates,
}
if patched.strip():
    head["patched"] = patched.split()
lines = ["{"]
for k, v in head.items():
    lines.append(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
lines.append(' "cases": [')
rows = []
for c in cases:
    rows.append("  " + json.dumps({"name": c["name"], "sha256": c["sha256"],
                                   "reference": verdicts[c["file"]]}))
lines.append(",\n".join(rows))
lines.append(" ]")
lines.append("}")
open(out, "w").write("\n".join(lines) + "\n")
print(f"{len(cases)} cases -> {out}")
EOF
