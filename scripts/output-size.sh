#!/usr/bin/env bash
# Bytes and files of a built site, per part, largest first:
#
#   scripts/output-size.sh public/
#
# A part is a top-level folder (papers/, themes/, search/…) or a file at
# the root (papers.json…); each paper's page and the other files under
# papers/ are counted apart, and so are the feeds and BibTeX files inside
# themes/. Bytes are the files' own sizes (GitHub Pages documents 1 GB for
# a site), not the blocks they take on disk. Prints a Markdown table, then
# the size of the artifact GitHub deploys: upload-pages-artifact tars the
# folder without its dot-files and upload-artifact zips the tar at deflate
# level 6 (gzip -6 here: the same deflate, headers aside); deploy-pages
# warns above 1 GiB of it.
set -euo pipefail
dir=${1:?usage: output-size.sh DIR}
[ -d "$dir" ] || { echo "output-size.sh: no folder $dir" >&2; exit 1; }
find "$dir" -type f -printf '%s %P\n' | awk '
  {
    size = $1; path = substr($0, length($1) + 2)
    n = split(path, seg, "/")
    if (n == 1) part = path
    else if (seg[1] == "papers") part = (seg[n] == "index.html" ? "papers/*/index.html" : "papers/*/" seg[n])
    else if (seg[1] == "themes" && n > 2 && seg[n] != "index.html") part = "themes/*/" seg[n]
    else part = seg[1] "/"
    bytes[part] += size; files[part]++; tb += size; tf++
  }
  END {
    printf "| part | MB | files | KB per file |\n| --- | ---: | ---: | ---: |\n"
    cmd = "sort -t\"|\" -k3,3gr"
    for (p in bytes) printf "| %s | %.1f | %d | %.1f |\n", p, bytes[p] / 1e6, files[p], bytes[p] / files[p] / 1e3 | cmd
    close(cmd)
    printf "| **total** | **%.1f** | **%d** | %.1f |\n", tb / 1e6, tf, tb / tf / 1e3
  }'
artifact=$(tar -cf - -C "$dir" --exclude='.[^/]*' . | gzip -6 | wc -c)
awk -v a="$artifact" 'BEGIN { printf "\nPages artifact (tar, deflate level 6): %.1f MB of the 1,073.7 MB (1 GiB) deploy-pages checks\n", a / 1e6 }'
