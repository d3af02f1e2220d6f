#!/usr/bin/env bash
# Installs R GenomicSEM (the benchmark peer and reference generator; kestrel's tests never need it)
# from its public source at the commit the references were made with, on Debian's R packages.
#
#   GSEM_SRC=/path/to/a/git/clone/of/GenomicSEM bench/install_genomicsem.sh
#
# GSEM_SRC: a git repository (bare or not) of GenomicSEM/GenomicSEM that contains GSEM_COMMIT
#   (default bench/.cache/GenomicSEM). The network here reaches only package registries, so the
#   clone is brought by hand.
# GSEM_LIB: the R library to install into (default: R's first library path).
# GSEM_PATCH: a patch applied (patch -p1) to the source before installing; used only to build the
#   tightly converged references of tests/data/gsem/genomicsem_tight (into a separate GSEM_LIB).
# Idempotent: does nothing when GenomicSEM from GSEM_COMMIT is already installed in GSEM_LIB.
set -euo pipefail

GSEM_COMMIT=${GSEM_COMMIT:-123ec96517b67330d7b7933b9f3834a9cf55cde0}
here=$(cd "$(dirname "$0")" && pwd)
GSEM_SRC=${GSEM_SRC:-$here/.cache/GenomicSEM}
GSEM_LIB=${GSEM_LIB:-}
GSEM_PATCH=${GSEM_PATCH:-}
stamp=$GSEM_COMMIT
[ -n "$GSEM_PATCH" ] && stamp="$GSEM_COMMIT+$(sha256sum <"$GSEM_PATCH" | cut -c1-16)"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# GenomicSEM's DESCRIPTION Imports, as Debian names them, plus Rmpfr (sumstats uses it without
# declaring it). splitstackshape and mgsub are not in Debian and are never called: dropped below.
debs="r-base-core r-cran-lavaan r-cran-matrix r-cran-plyr r-cran-e1071 r-cran-readr r-cran-gdata
      r-cran-doparallel r-cran-foreach r-cran-data.table r-cran-stringr r-cran-r.utils
      r-cran-dplyr r-cran-iterators r-cran-rcpp r-cran-rmpfr"
missing=""
for d in $debs; do
  dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q "ok installed" || missing="$missing $d"
done
if [ -n "$missing" ]; then
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
fi

libarg=""
[ -n "$GSEM_LIB" ] && { mkdir -p "$GSEM_LIB"; libarg="-l $GSEM_LIB"; }
have=$(Rscript -e "lib <- if (nzchar('$GSEM_LIB')) '$GSEM_LIB' else .libPaths()[1]
  d <- suppressWarnings(packageDescription('GenomicSEM', lib.loc = lib))
  cat(if (is.list(d) && !is.null(d\$GenomicSEMCommit)) d\$GenomicSEMCommit else '')")
if [ "$have" = "$stamp" ]; then
  echo "GenomicSEM $stamp already installed"
  exit 0
fi

[ -d "$GSEM_SRC" ] || { echo "GSEM_SRC=$GSEM_SRC: no such GenomicSEM git repository" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$GSEM_SRC" archive --format=tar --prefix=GenomicSEM/ "$GSEM_COMMIT" | tar -x -C "$tmp"
pkg=$tmp/GenomicSEM
sed -i -e 's/,splitstackshape//' -e 's/,mgsub//' "$pkg/DESCRIPTION"
# NAMESPACE has CRLF line ends.
sed -i -e '/^import(splitstackshape)\r\?$/d' -e '/^import(mgsub)\r\?$/d' "$pkg/NAMESPACE"
[ -n "$GSEM_PATCH" ] && patch -s -d "$pkg" -p1 <"$GSEM_PATCH"
echo "GenomicSEMCommit: $stamp" >>"$pkg/DESCRIPTION"
# shellcheck disable=SC2086
R CMD INSTALL --no-docs --no-multiarch $libarg "$pkg"
