#!/usr/bin/env bash
# Same results before and after a change: builds the engine (no window) at
# REV (default HEAD, checked out with `git worktree` under /tmp) and at the
# working tree (or at a second revision NEW, checked out likewise), runs `loadlab run` on every scenario under scenarios/ (the
# working tree's files, each with its own seed, or SEED=n for all) with
# both, and compares summary.json, timeseries.csv and nodes.csv byte for
# byte. Only the version stamp (`loadlab_version`) is allowed to differ,
# and only when Cargo.toml's version did; path stamps (`scenario_file`)
# cannot differ: both binaries run from this folder on the same relative
# paths. Exit 0 when every file matches.
#
# ADDED_KEYS="k1 k2" (needs jq): a change that adds keys to summary.json
# compares it with those keys removed from the new run's file, at the top
# level and in every node, class and workload entry whose base entry
# lacks them (a key other nodes had already may be added to more); the
# base must not have them at the top level, and everything else must
# still match byte for byte (jq re-prints both files alike). A CSV column of one of these names
# that the base's header lacks is removed from the new run's CSV likewise.
#
# Usage: [ADDED_KEYS=...] scripts/same-results.sh [REV [NEW]]    (CARGO_TARGET_DIR is shared by both builds)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rev=${1:-HEAD}
base_commit=$(git rev-parse --verify "$rev^{commit}")
new_commit=${2:+$(git rev-parse --verify "$2^{commit}")}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d /tmp/loadlab-same-results.XXXXXX)
cleanup() {
    for t in "$work/tree" "$work/new-tree"; do
        git -C "$root" worktree remove --force "$t" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# build DIR NAME: the engine-only binary of the tree in DIR, copied to $work/NAME.
build() {
    echo "== building $2 ($1)"
    # Both trees are the same package to cargo (same name, version and
    # path within the workspace): their artifacts share file names and
    # fingerprints in the shared target folder, so a tree built before the
    # other can be taken as up to date and the other's library linked in.
    # Clean loadlab's own artifacts (not its dependencies) first.
    (cd "$1" && cargo clean --quiet -p loadlab)
    (cd "$1" && cargo build --quiet --no-default-features --bin loadlab)
    cp "$CARGO_TARGET_DIR/debug/loadlab" "$work/$2"
}

git worktree add --quiet --detach "$work/tree" "$base_commit"
build "$work/tree" base
if [ -n "$new_commit" ]; then
    git worktree add --quiet --detach "$work/new-tree" "$new_commit"
    build "$work/new-tree" new
else
    build "$root" new
fi
base_version=$("$work/base" --version | awk '{print $2}')
new_version=$("$work/new" --version | awk '{print $2}')

# Files from both runs, the base one's version stamp replaced by the new one's.
same_but_version() {
    [ "$base_version" != "$new_version" ] &&
        cmp -s <(sed "s/${base_version//./\\.}/$new_version/g" "$1") "$2"
}

# without_added FILE [BASE]: the file as jq prints it, ADDED_KEYS removed
# (at the top level; in a node, class or workload entry only where BASE's
# entry of the same name lacks the key: a key added to the nodes of one
# kind where other kinds had it already; BASE defaults to FILE itself).
without_added() {
    jq --arg keys "${ADDED_KEYS:-}" --slurpfile base "${2:-$1}" '
        ($keys | split(" ") | map(select(. != ""))) as $k
        | def strip($key; $of): with_entries(
            if (($of[.key] // {}) | type == "object" and has($key)) then . else .value |= del(.[$key]) end);
        reduce $k[] as $key (.; del(.[$key])
            | .nodes |= strip($key; $base[0].nodes // {})
            | if has("classes") then .classes |= strip($key; $base[0].classes // {}) else . end
            | if has("workloads") then .workloads |= strip($key; $base[0].workloads // {}) else . end)' "$1"
}

# csv_without_added BASE NEW: NEW's CSV without the ADDED_KEYS columns
# BASE's header lacks. Columns are only ever appended, so they are counted
# from the end of each row (a quoted cell with a comma early in the row,
# such as a scenario name, does not shift them).
csv_without_added() {
    awk -F, -v OFS=, -v keys="${ADDED_KEYS:-}" -v base="$(head -1 "$1")" '
        NR == 1 {
            nb = split(base, b, ","); for (i = 1; i <= nb; i++) had[b[i]] = 1
            nk = split(keys, k, " "); for (i = 1; i <= nk; i++) added[k[i]] = 1
            for (i = 1; i <= NF; i++) drop[NF - i] = ($i in added) && !($i in had)
        }
        { line = ""; sep = ""
          for (i = 1; i <= NF; i++) if (!drop[NF - i]) { line = line sep $i; sep = OFS }
          print line }' "$2"
}

# same_but_added BASE NEW: equal once NEW's added keys are removed.
same_but_added() {
    [ -n "${ADDED_KEYS:-}" ] || return 1
    case "${1##*/}" in
    summary.json)
        cmp -s <(jq . "$1") <(without_added "$2" "$1") &&
            cmp -s <(jq . "$1") <(without_added "$1")
        ;;
    *.csv) cmp -s "$1" <(csv_without_added "$1" "$2") ;;
    *) return 1 ;;
    esac
}

different=0
compared=0
scenarios=$(find scenarios -name '*.toml' | sort)
for s in $scenarios; do
    name=${s#scenarios/}
    name=${name%.toml}
    # A scenario the base revision does not have (a new level, written in
    # a format the base may not read) has nothing to compare with.
    if ! git -C "$root" cat-file -e "$base_commit:$s" 2>/dev/null; then
        echo "new   $name: not in $rev, not compared"
        continue
    fi
    seed_args=()
    [ -n "${SEED:-}" ] && seed_args=(--seed "$SEED")
    for which in base new; do
        log=$work/$which-${name//\//-}.log
        if ! "$work/$which" run "$s" "${seed_args[@]}" --out "$work/out/$which/$name" >"$log" 2>&1; then
            echo "FAIL  $name: loadlab run ($which) failed:"
            tail -5 "$log" | sed 's/^/      /'
            different=1
            continue 2
        fi
    done
    line="$name:"
    for f in summary.json timeseries.csv nodes.csv; do
        a=$work/out/base/$name/$f
        b=$work/out/new/$name/$f
        compared=$((compared + 1))
        if cmp -s "$a" "$b"; then
            line+=" $f same ($(wc -c <"$b") bytes)"
        elif same_but_version "$a" "$b"; then
            line+=" $f same but the version stamp"
        elif same_but_added "$a" "$b"; then
            line+=" $f same but the added keys ($ADDED_KEYS)"
        else
            line+=" $f DIFFERENT"
            different=1
        fi
    done
    echo "$line"
done

echo "== $compared files compared, base $base_commit (loadlab $base_version) vs ${new_commit:-working tree} (loadlab $new_version)"
if [ "$different" -ne 0 ]; then
    echo "== results DIFFER"
    exit 1
fi
echo "== all identical"
