/* kestrel.h — the umbrella header: everything a C user of kestrel needs.
 * Build: cc prog.c $(pkg-config --cflags --libs kestrel) */
#ifndef KESTREL_H
#define KESTREL_H

#include "kestrel/base.h"
#include "kestrel/table.h"
#include "kestrel/array.h"
#include "kestrel/linalg.h"
#include "kestrel/regress.h"
#include "kestrel/sem.h"
#include "kestrel/did.h"
#include "kestrel/did_imputation.h"
#include "kestrel/did_power.h"
#include "kestrel/did_stacked.h"
#include "kestrel/did_honest.h"
#include "kestrel/did_conley.h"
#include "kestrel/mars.h"
#include "kestrel/gsem.h"

#endif
