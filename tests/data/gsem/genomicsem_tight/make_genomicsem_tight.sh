#!/usr/bin/env bash
# Rebuilds tests/data/gsem/genomicsem_tight/: installs GenomicSEM with tight_control.patch into a
# separate R library (the ordinary install stays unpatched) and runs the R scripts beside this one.
#   GSEM_SRC=/path/to/GenomicSEM/git tests/data/gsem/genomicsem_tight/make_genomicsem_tight.sh
# Run from the repository root; GSEM_TIGHT_LIB (default /tmp/gsem_tight_lib) keeps the patched copy.
set -euo pipefail
here=tests/data/gsem/genomicsem_tight
lib=${GSEM_TIGHT_LIB:-/tmp/gsem_tight_lib}
GSEM_LIB=$lib GSEM_PATCH=$here/tight_control.patch bench/install_genomicsem.sh
Rscript $here/make_genomicsem_tight.R "$lib"
Rscript $here/check_tight.R "$lib"
Rscript $here/make_gwas_intermediates.R "$lib"
Rscript $here/compare_loose_tight.R
