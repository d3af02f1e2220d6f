/* sem_internal.h — what the SEM engine's files share. For now: lavaan's model syntax, parsed
 * into the flat list of model elements lavaan's lavParseModelString() makes (lavaan 0.6-14). */
#ifndef KS_SEM_INTERNAL_H
#define KS_SEM_INTERNAL_H

#include <stddef.h>

#include "base/base_internal.h"

/* One model element: `lhs op rhs` with its modifiers as lavaan's flat table writes them: text,
 * "" when absent, several values (c(...), one per group) joined by ';', numbers as R writes them
 * (15 significant digits), a free parameter `NA`. */
typedef struct {
    const char *lhs, *op, *rhs; /* op: "=~" "<~" "~" "~~" "~1" (rhs "") or ":" (a block) */
    int block;                  /* 1, 2, ...: incremented by each block line after the first */
    const char *fixed, *start, *lower, *upper, *label;
    int line; /* the model line where its formula starts */
} ks__sem_elem;

/* A constraint or definition (`==`, `<`, `>`, `:=`): lavaan keeps both sides as expression text
 * with the white space removed and double quotes dropped. */
typedef struct {
    const char *lhs, *op, *rhs;
    int line;
} ks__sem_constraint;

typedef struct {
    ks_allocator alloc;
    size_t nelem, ncon;
    ks__sem_elem *elem;
    ks__sem_constraint *con;
    char *text; /* every string above points into it */
} ks__sem_syntax;

/* Parse `model`. A syntax error is KS_EPARSE naming the model line and column. Lines with text
 * but no operator before the first formula are ignored with a warning, as lavaan does. */
int ks__sem_parse(ks_ctx *ctx, const char *model, ks__sem_syntax **out);
void ks__sem_syntax_free(ks__sem_syntax *s); /* NULL is fine; no ctx */

#endif
