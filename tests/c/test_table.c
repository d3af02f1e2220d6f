/* test_table.c — the CSV/TSV reader and writer, type inference, gzip, errors that name
 * file:line:column, chunk boundaries, factorize. */
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "kestrel/kestrel.h"
#include "ktest.h"
#include "table/csv_internal.h"

static ks_table *read_text(ks_ctx *ctx, const char *suffix, const char *text, size_t chunk)
{
    const char *path = ktest_tmpfile(suffix, text, strlen(text));
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    o.chunk_bytes = chunk;
    ks_table *t = NULL;
    int rc = ks_table_read_csv(ctx, path, &o, &t);
    unlink(path);
    return rc ? NULL : t;
}

static int read_fails(ks_ctx *ctx, const char *text, int code, const char *needle)
{
    ks_table *t = NULL;
    int rc = ks_table_read_csv_mem(ctx, "x.csv", text, strlen(text), NULL, &t);
    ks_table_free(t);
    if (rc == code && strstr(ks_errmsg(ctx), needle)) return 1;
    fprintf(stderr, "  read of %-30.30s gave %s '%s'\n", text, ks_status_name(rc), ks_errmsg(ctx));
    return 0;
}

static void test_inference(ks_ctx *ctx)
{
    const char *text = "\xEF\xBB\xBFi,f,s,na,mixed\r\n1,1.5,a,NA,1\r\n-2,2,\"b,c\",,2.5\r\n"
                       "3,1e3,\"say \"\"hi\"\"\",NA,x\r\n";
    ks_table *t = read_text(ctx, ".csv", text, 0);
    CHECK(t != NULL);
    if (!t) return;
    CHECK(ks_table_nrow(t) == 3 && ks_table_ncol(t) == 5);
    CHECK(!strcmp(ks_table_col_name(t, 0), "i")); /* the BOM is not part of the name */
    CHECK(ks_table_col_type(t, 0) == KS_COL_INT64 && ks_table_int64(t, 0)[1] == -2);
    CHECK(ks_table_col_type(t, 1) == KS_COL_FLOAT64 && ks_table_float64(t, 1)[2] == 1000.0);
    CHECK(ks_table_col_type(t, 2) == KS_COL_STRING);
    CHECK(!strcmp(ks_table_string(t, 2, 1), "b,c") &&
          !strcmp(ks_table_string(t, 2, 2), "say \"hi\""));
    CHECK(ks_table_col_type(t, 3) == KS_COL_FLOAT64 && isnan(ks_table_float64(t, 3)[0]));
    CHECK(ks_table_col_type(t, 4) == KS_COL_STRING && !strcmp(ks_table_string(t, 4, 1), "2.5"));
    /* tiny chunks give the same table */
    ks_table *u = read_text(ctx, ".csv", text, 7);
    CHECK(u != NULL && ks_table_nrow(u) == 3);
    if (u) CHECK(!strcmp(ks_table_string(u, 2, 2), "say \"hi\"") && ks_table_int64(u, 0)[2] == 3);
    ks_table_free(u);
    ks_table_free(t);
    /* exact decimal parsing, tabs from the name, a last line without newline */
    t = read_text(ctx, ".tsv", "a\tb\n0.1\t123456789012345678\n2.2250738585072014e-308\t7", 3);
    CHECK(t != NULL);
    if (t) {
        CHECK(ks_table_float64(t, 0)[0] == 0.1 &&
              ks_table_float64(t, 0)[1] == 2.2250738585072014e-308);
        CHECK(ks_table_int64(t, 1)[0] == 123456789012345678LL);
    }
    ks_table_free(t);
    /* a newline inside quotes counts toward line numbers in later errors */
    CHECK(read_fails(ctx, "a,b\n\"x\ny\",1\n2\n", KS_EPARSE, "x.csv:4: row has 1 fields"));
}

/* Every parsed number equals glibc strtod's correctly rounded value, bit for bit, over random
 * decimal strings of 1..20 significant digits and a wide exponent range (fast paths included). */
static void test_number_parsing_exact(ks_ctx *ctx)
{
    enum { N = 200000 };
    char *text = malloc((size_t)N * 40 + 8), *p = text;
    double *want = malloc(N * sizeof *want);
    p += sprintf(p, "v\n");
    for (int i = 0; i < N; i++) {
        uint64_t r = ks_rng_u64(77, 0, (uint64_t)i);
        int digits = 1 + (int)(r % 20), e = (int)((r >> 8) % 80) - 40;
        char num[64], *q = num;
        if ((r >> 20) & 1) *q++ = '-';
        uint64_t d = ks_rng_u64(77, 1, (uint64_t)i);
        for (int k = 0; k < digits; k++) {
            *q++ = (char)('0' + (int)(d % 10));
            d = d / 10 ? d / 10 : ks_rng_u64(77, 2, (uint64_t)i * 31 + (uint64_t)k);
            if (k == (int)((r >> 24) % 5)) *q++ = '.';
        }
        if ((r >> 30) & 1) q += sprintf(q, "e%d", e);
        *q = '\0';
        if (i % 7 == 0) snprintf(num, sizeof num, "%.17g", ks_rng_normal(77, 3, (uint64_t)i));
        want[i] = strtod(num, NULL);
        p += sprintf(p, "%s\n", num);
    }
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_read_csv_mem(ctx, "num.csv", text, (size_t)(p - text), NULL, &t));
    if (t) {
        const double *v = ks_table_float64(t, 0);
        int bad = 0;
        for (int i = 0; v && i < N; i++)
            if (memcmp(&v[i], &want[i], sizeof(double))) bad++;
        CHECK(v != NULL && bad == 0);
        if (bad) fprintf(stderr, "  %d of %d numbers differ from strtod\n", bad, N);
    }
    ks_table_free(t);
    free(text);
    free(want);
}

static void test_errors(ks_ctx *ctx)
{
    CHECK(read_fails(ctx, "", KS_EEMPTY, "x.csv: empty file"));
    CHECK(read_fails(ctx, "a,b\n", KS_EEMPTY, "x.csv: header but no data rows"));
    CHECK(read_fails(ctx, "a,b\n1,2\n3\n", KS_EPARSE, "x.csv:3: row has 1 fields, header has 2"));
    CHECK(read_fails(ctx, "a,,c\n1,2,3\n", KS_EPARSE, "x.csv:1:2: empty column name"));
    CHECK(read_fails(ctx, "a,a\n1,2\n", KS_EPARSE, "appears twice"));
    CHECK(read_fails(ctx, "a,b\n1,\"2\n", KS_EPARSE, "x.csv:2: unterminated"));
    /* a given type: a non-number names file, line and column */
    const char *names[] = {"wage", NULL};
    ks_col_type types[] = {KS_COL_FLOAT64};
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    o.col_names = names;
    o.col_types = types;
    ks_table *t = NULL;
    const char *text = "id,wage\n1,3.5\n2,abc\n";
    CHECK_FAILS(ctx, ks_table_read_csv_mem(ctx, "x.csv", text, strlen(text), &o, &t), KS_EPARSE,
                "x.csv:3:2: 'abc' is not a number in column 'wage'");
    const char *use[] = {"id", "nope", NULL};
    o.col_names = NULL;
    o.usecols = use;
    CHECK_FAILS(ctx, ks_table_read_csv_mem(ctx, "x.csv", text, strlen(text), &o, &t), KS_ENOTFOUND,
                "'nope'");
    CHECK_FAILS(ctx, ks_table_read_csv(ctx, "/nonexistent/dir/f.csv", NULL, &t), KS_EIO,
                "/nonexistent/dir/f.csv: cannot open");
    CHECK(t == NULL);
}

static int read_fails_n(ks_ctx *ctx, const char *text, size_t len, int code, const char *needle)
{
    ks_table *t = NULL;
    int rc = ks_table_read_csv_mem(ctx, "x.csv", text, len, NULL, &t);
    ks_table_free(t);
    if (rc == code && strstr(ks_errmsg(ctx), needle)) return 1;
    fprintf(stderr, "  read of %-30.30s gave %s '%s'\n", text, ks_status_name(rc), ks_errmsg(ctx));
    return 0;
}

/* A NUL byte is an error naming its line and field, quotes followed; in the streaming reader
 * (runs of blanks) too. */
static void test_nul_byte(ks_ctx *ctx)
{
    static const char a[] = "a,b\n1,2\n3,x\0y\n", b[] = "a,b\n1,\"p\nq\0\"\n",
                      c[] = "a,b\n\"1,\0\",2\n", d[] = "a,b\r1,2\r3,4\r5,\0\r";
    CHECK(read_fails_n(ctx, a, sizeof a - 1, KS_EPARSE, "x.csv:3:2: a NUL byte in the data"));
    CHECK(read_fails_n(ctx, b, sizeof b - 1, KS_EPARSE, "x.csv:3:2: a NUL byte"));
    CHECK(read_fails_n(ctx, c, sizeof c - 1, KS_EPARSE, "x.csv:2:1: a NUL byte"));
    CHECK(read_fails_n(ctx, d, sizeof d - 1, KS_EPARSE, "x.csv:4:2: a NUL byte")); /* CR ends */
    static const char g[] = "SNP  A1\nrs1   x\0\n";
    const char *path = ktest_tmpfile(".txt", g, sizeof g - 1);
    ks_text_reader *r = NULL;
    CHECK_OK(ctx, ks_text_open(ctx, path, 0, &r));
    size_t nf, line;
    char *const *f;
    int rc = r ? ks_text_next(r, &nf, &f, &line) : 0;
    CHECK(rc == KS_EPARSE && strstr(ks_errmsg(ctx), ":2:2: a NUL byte"));
    ks_text_close(r);
    unlink(path);
}

/* CR alone as the line end (the file's first line end decides), at every chunk boundary; a CR
 * in a quoted field becomes a LF there. CRLF and LF files keep their CRs inside fields. */
static void test_cr_line_ends(ks_ctx *ctx)
{
    const char *text = "a,b,s\r1,2.5,\"x\ry\"\r3,4,z\r";
    for (size_t chunk = 1; chunk <= 24; chunk++) {
        ks_table *t = read_text(ctx, ".csv", text, chunk);
        CHECK(t && ks_table_nrow(t) == 2 && ks_table_ncol(t) == 3);
        if (!t) continue;
        CHECK(ks_table_int64(t, 0)[1] == 3 && ks_table_float64(t, 1)[0] == 2.5);
        CHECK(!strcmp(ks_table_string(t, 2, 0), "x\ny") && !strcmp(ks_table_string(t, 2, 1), "z"));
        ks_table_free(t);
    }
    ks_table *t = read_text(ctx, ".csv", "a,b\r1,2", 0); /* no line end after the last row */
    CHECK(t && ks_table_nrow(t) == 1 && ks_table_int64(t, 1)[0] == 2);
    ks_table_free(t);
    t = read_text(ctx, ".csv", "a,s\n1,x\ry\r\n", 0); /* LF file: the CR is data */
    CHECK(t && !strcmp(ks_table_string(t, 1, 0), "x\ry"));
    ks_table_free(t);
    CHECK(read_fails(ctx, "a,b\r", KS_EEMPTY, "x.csv: header but no data rows"));
}

/* A record longer than the cap is an error naming its line; one under it is read. */
static void test_record_cap(ks_ctx *ctx)
{
    char text[300];
    memset(text, 'a', sizeof text);
    memcpy(text, "h\n12\n", 5);
    text[sizeof text - 1] = '\n';
    for (int over = 0; over < 2; over++) {
        ks_source src;
        ks_records rec;
        CHECK_OK(ctx, ks__source_open_mem(ctx, "x.csv", text, over ? sizeof text : 100, &src));
        CHECK_OK(ctx, ks__records_init(ctx, &rec, &src, ',', 16));
        rec.max_record = 128;
        size_t line = 0;
        int rc;
        while ((rc = ks__records_next(&rec, &line)) > 0) continue;
        if (over)
            CHECK(rc == KS_EPARSE && strstr(ks_errmsg(ctx), "x.csv:3: a record longer than "
                                                            "128 bytes, the reader's limit"));
        else
            CHECK(rc == 0 && line == 3);
        ks__records_free(&rec);
        ks__source_close(&src);
    }
}

/* A directory given as a file: the reason, from both readers. */
static void test_directory(ks_ctx *ctx)
{
    ks_table *t = NULL;
    CHECK_FAILS(ctx, ks_table_read_csv(ctx, "tests", NULL, &t), KS_EIO,
                "tests: cannot open: Is a directory");
    ks_text_reader *r = NULL;
    CHECK_FAILS(ctx, ks_text_open(ctx, "tests", 0, &r), KS_EIO,
                "tests: cannot open: Is a directory");
    CHECK(t == NULL && r == NULL);
}

/* Numbers are decimal: hexadecimal among numbers is an error naming the cell; a column of hex
 * (or hex and other text) is text; a typed column names the cell. Infinities stay numbers. */
static void test_hex(ks_ctx *ctx)
{
    CHECK(read_fails(ctx, "a,b\n1,2\n2,0x10\n3,-0x1p3\n", KS_EPARSE,
                     "x.csv:3:2: '0x10' in column 'b' is a hexadecimal number"));
    CHECK(
        read_fails(ctx, "a,b\n1,NA\n2,0X1F\n3,4\n", KS_EPARSE, "x.csv:3:2: '0X1F' in column 'b'"));
    ks_table *t = read_text(ctx, ".csv", "h,m,i\n0xdeadbeef,0x10,inf\n0x10,abc,-Infinity\n", 0);
    CHECK(t && ks_table_col_type(t, 0) == KS_COL_STRING &&
          ks_table_col_type(t, 1) == KS_COL_STRING);
    CHECK(t && !strcmp(ks_table_string(t, 0, 1), "0x10"));
    CHECK(t && ks_table_col_type(t, 2) == KS_COL_FLOAT64 && ks_table_float64(t, 2)[1] == -INFINITY);
    ks_table_free(t);
    const char *names[] = {"b", NULL};
    ks_col_type types[] = {KS_COL_FLOAT64};
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    o.col_names = names;
    o.col_types = types;
    const char *text = "a,b\n1,0x10\n";
    t = NULL;
    CHECK_FAILS(ctx, ks_table_read_csv_mem(ctx, "x.csv", text, strlen(text), &o, &t), KS_EPARSE,
                "x.csv:2:2: '0x10' is not a number in column 'b'");
}

/* Integer IDs beyond 2^53 with an NA: text, exact and distinct, NA kept; without the NA
 * int64; small integers with NA float64 as before; int64 asked: an error. */
static void test_big_ids_with_na(ks_ctx *ctx)
{
    const char *text = "id,small,big,y\n9007199254740993,1,9007199254740993,1\nNA,NA,"
                       "9007199254740992,2\n9007199254740992,3,-9223372036854775808,3\n";
    ks_table *t = read_text(ctx, ".csv", text, 0);
    CHECK(t != NULL);
    if (!t) return;
    CHECK(ks_table_col_type(t, 0) == KS_COL_STRING);
    CHECK(!strcmp(ks_table_string(t, 0, 0), "9007199254740993") && !ks_table_string(t, 0, 1) &&
          !strcmp(ks_table_string(t, 0, 2), "9007199254740992"));
    int64_t codes[3];
    size_t k = 0, j = 0;
    CHECK_OK(ctx, ks_table_factorize(ctx, t, &j, 1, codes, 3, &k));
    CHECK(k == 2 && codes[0] == 0 && codes[1] == -1 && codes[2] == 1);
    /* a caller's buffer comes with its size: one too short is refused before it is written */
    CHECK_FAILS(ctx, ks_table_factorize(ctx, t, &j, 1, codes, 2, &k), KS_EINVAL,
                "codes has room for 2; 3 needed");
    double d[3];
    CHECK_FAILS(ctx, ks_table_get_double(ctx, t, 2, d, 2), KS_EINVAL,
                "dst has room for 2 values; 3 needed");
    CHECK(ks_table_col_type(t, 1) == KS_COL_FLOAT64 && isnan(ks_table_float64(t, 1)[1]));
    CHECK(ks_table_col_type(t, 2) == KS_COL_INT64 && ks_table_int64(t, 2)[0] == 9007199254740993 &&
          ks_table_int64(t, 2)[2] == INT64_MIN);
    ks_table_free(t);
    t = read_text(ctx, ".csv", "id\n9007199254740993\n1.5\nNA\n", 0); /* a decimal: floats */
    CHECK(t && ks_table_col_type(t, 0) == KS_COL_FLOAT64);
    ks_table_free(t);
    const char *names[] = {"id", NULL};
    ks_col_type types[] = {KS_COL_INT64};
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    o.col_names = names;
    o.col_types = types;
    t = NULL;
    CHECK_FAILS(ctx, ks_table_read_csv_mem(ctx, "x.csv", text, strlen(text), &o, &t), KS_EPARSE,
                "column 'id' has NA and integers beyond 2^53");
}

/* allow_empty: a header alone is a table of 0 rows with its columns. */
static void test_header_only(ks_ctx *ctx)
{
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    o.allow_empty = 1;
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_read_csv_mem(ctx, "x.csv", "a,b\n", 4, &o, &t));
    CHECK(t && ks_table_nrow(t) == 0 && ks_table_ncol(t) == 2 && ks_table_int64(t, 1) != NULL);
    ks_table_free(t);
    CHECK_FAILS(ctx, ks_table_read_csv_mem(ctx, "x.csv", "", 0, &o, &t), KS_EEMPTY, "empty file");
}

static void test_gzip_roundtrip(ks_ctx *ctx)
{
    enum { N = 5000 };
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_new(ctx, N, &t));
    double *x = malloc(N * sizeof *x);
    int64_t *k = malloc(N * sizeof *k);
    const char **s = malloc(N * sizeof *s);
    uint8_t *valid = malloc(N);
    static const char *words[] = {"alpha", "b,eta", "ga\"mma", "de\nlta"};
    for (int i = 0; i < N; i++) {
        x[i] = i % 97 == 0 ? NAN : ks_rng_normal(5, 0, (uint64_t)i) * 1e-3;
        k[i] = (int64_t)i * 1000003 - 7;
        s[i] = words[i % 4];
        valid[i] = i % 11 != 0;
    }
    CHECK_OK(ctx, ks_table_add_float64(ctx, t, "x", x));
    CHECK_OK(ctx, ks_table_add_int64(ctx, t, "k", k));
    CHECK_OK(ctx, ks_table_add_string(ctx, t, "s", s, valid));
    char path[256];
    snprintf(path, sizeof path, "/tmp/ktest_rt_%d.csv.gz", (int)getpid());
    CHECK_OK(ctx, ks_table_write_csv(ctx, t, path, NULL));
    /* gzip magic bytes on disk */
    FILE *f = fopen(path, "rb");
    unsigned char magic[2] = {0, 0};
    if (f) {
        CHECK(fread(magic, 1, 2, f) == 2);
        fclose(f);
    }
    CHECK(magic[0] == 0x1f && magic[1] == 0x8b);
    ks_table *u = NULL;
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    o.chunk_bytes = 1000;
    CHECK_OK(ctx, ks_table_read_csv(ctx, path, &o, &u));
    if (u) {
        CHECK(ks_table_nrow(u) == N);
        const double *ux = ks_table_float64(u, 0);
        const int64_t *uk = ks_table_int64(u, 1);
        int same = ux && uk;
        for (int i = 0; same && i < N; i++) {
            same &= isnan(x[i]) ? isnan(ux[i]) : ux[i] == x[i];
            same &= uk[i] == k[i];
            const char *us = ks_table_string(u, 2, (size_t)i);
            same &= valid[i] ? us && !strcmp(us, s[i]) : us == NULL;
        }
        CHECK(same);
    }
    ks_table_free(u);
    /* truncated gzip: a clear error naming the file */
    f = fopen(path, "rb");
    char *buf = malloc(1 << 20);
    size_t n = f ? fread(buf, 1, 1 << 20, f) : 0;
    if (f) fclose(f);
    const char *cut = ktest_tmpfile(".csv.gz", buf, n / 2);
    u = NULL;
    CHECK_FAILS(ctx, ks_table_read_csv(ctx, cut, NULL, &u), KS_EIO, "corrupt or truncated gzip");
    CHECK_FAILS(ctx, ks_table_read_csv_mem(ctx, "mem.gz", buf, n / 2, NULL, &u), KS_EIO,
                "mem.gz: corrupt or truncated gzip");
    CHECK_OK(ctx, ks_table_read_csv_mem(ctx, "mem.gz", buf, n, NULL, &u));
    if (u) CHECK(ks_table_nrow(u) == N);
    ks_table_free(u);
    unlink(cut);
    /* the gzip trailer: a file cut inside it, a wrong CRC, a wrong length are errors; two
     * members are read whole; bytes after the last member are ignored (as gzip -d does) */
    struct {
        size_t len;
        int flip, twice, tail;
        const char *error;
        size_t rows;
    } tr[] = {{n - 1, -1, 0, 0, "truncated", 0}, {n - 5, -1, 0, 0, "truncated", 0},
              {n, 8, 0, 0, "corrupt", 0},        {n, 1, 0, 0, "corrupt", 0},
              {n, -1, 1, 0, NULL, 2 * N + 1},   {n, -1, 0, 1, NULL, N}};
    for (size_t c = 0; c < sizeof tr / sizeof *tr; c++) {
        char *b2 = malloc(2 * n + 16);
        memcpy(b2, buf, n);
        size_t len = tr[c].len;
        if (tr[c].flip > 0) b2[n - (size_t)tr[c].flip] ^= 1;
        if (tr[c].twice) {
            memcpy(b2 + n, buf, n);
            len = 2 * n;
        }
        if (tr[c].tail) {
            memcpy(b2 + n, "trailing", 8);
            len = n + 8;
        }
        const char *p2 = ktest_tmpfile(".csv.gz", b2, len);
        ks_text_reader *rd = NULL;
        CHECK_OK(ctx, ks_text_open(ctx, p2, ',', &rd));
        size_t nf, line, rows = 0;
        char *const *fl;
        int got = -1;
        while (rd && (got = ks_text_next(rd, &nf, &fl, &line)) == 1) rows++;
        if (tr[c].error) {
            CHECK(rd && got < 0);
            CHECK(strstr(ks_errmsg(ctx), tr[c].error) && strstr(ks_errmsg(ctx), p2));
        } else {
            CHECK(rd && got == 0 && rows == tr[c].rows + 1); /* (and the header) */
        }
        ks_text_close(rd);
        unlink(p2);
        free(b2);
    }
    unlink(path);
    /* a write into a missing directory fails and leaves nothing */
    CHECK_FAILS(ctx, ks_table_write_csv(ctx, t, "/nonexistent/dir/out.csv", NULL), KS_EIO,
                "/nonexistent/dir/out.csv");
    free(buf);
    free(x);
    free(k);
    free(s);
    free(valid);
    ks_table_free(t);
}

static void test_factorize(ks_ctx *ctx)
{
    const char *text = "a,b,c\nx,1,0.5\ny,1,NA\nx,2,-0\nx,1,0\n,1,1\ny,1,2\n";
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_read_csv_mem(ctx, "f.csv", text, strlen(text), NULL, &t));
    if (!t) return;
    int64_t codes[6];
    size_t nlev, ab[2] = {0, 1}, c[1] = {2};
    CHECK_OK(ctx, ks_table_factorize(ctx, t, ab, 2, codes, ks_table_nrow(t), &nlev));
    CHECK(nlev == 3);
    CHECK(codes[0] == 0 && codes[1] == 1 && codes[2] == 2 && codes[3] == 0 && codes[4] == -1 &&
          codes[5] == 1);
    CHECK_OK(ctx, ks_table_factorize(ctx, t, c, 1, codes, ks_table_nrow(t), &nlev));
    CHECK(codes[1] == -1 && codes[2] == codes[3] && nlev == 4); /* -0 and 0 are one level */
    ks_table_free(t);
}

static uint64_t last_done, last_total;
static int progress_calls;
static void on_progress(void *ud, const char *what, uint64_t done, uint64_t total)
{
    (void)ud;
    (void)what;
    CHECK(done <= total);
    last_done = done;
    last_total = total;
    progress_calls++;
}

static void test_mpdta(ks_ctx *ctx)
{
    const char *path = "data/mpdta.csv";
    ks_table *t = NULL;
    ks_ctx_set_progress(ctx, on_progress, NULL);
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    o.chunk_bytes = 16384; /* several progress reports */
    CHECK_OK(ctx, ks_table_read_csv(ctx, path, &o, &t));
    ks_ctx_set_progress(ctx, NULL, NULL);
    CHECK(progress_calls > 3 && last_total > 100000 && last_done == last_total);
    if (!t) return;
    size_t j;
    CHECK(ks_table_nrow(t) == 2500 && ks_table_ncol(t) == 6);
    CHECK_OK(ctx, ks_table_find(ctx, t, "first.treat", &j));
    CHECK(ks_table_col_type(t, j) == KS_COL_INT64);
    CHECK_FAILS(ctx, ks_table_find(ctx, t, "nope", &j), KS_ENOTFOUND, "'nope'");
    ks_table_free(t);
}

/* The names of an enumeration, both ways; a wrong name lists the right ones. */
static void test_enum_names(ks_ctx *ctx)
{
    CHECK(!strcmp(ks_col_type_name(KS_COL_FLOAT64), "float64"));
    CHECK(ks_col_type_name((ks_col_type)42) == NULL);
    ks_col_type t = KS_COL_AUTO;
    CHECK_OK(ctx, ks_col_type_value(ctx, "string", &t));
    CHECK(t == KS_COL_STRING);
    CHECK_FAILS(ctx, ks_col_type_value(ctx, "double", &t), KS_EINVAL,
                "column type: 'double' is not one of 'auto', 'int64', 'float64', 'string'");
    CHECK(t == KS_COL_STRING);
}

int main(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    test_inference(ctx);
    test_number_parsing_exact(ctx);
    test_errors(ctx);
    test_nul_byte(ctx);
    test_cr_line_ends(ctx);
    test_record_cap(ctx);
    test_directory(ctx);
    test_hex(ctx);
    test_enum_names(ctx);
    test_big_ids_with_na(ctx);
    test_header_only(ctx);
    test_gzip_roundtrip(ctx);
    test_factorize(ctx);
    test_mpdta(ctx);
    ks_ctx_free(ctx);
    return ktest_finish("table");
}
