/* plot.c — event-study plots from the command line, without a plotting library: the estimates
 * with their confidence intervals against event time, pre periods grey and post periods blue,
 * a zero line and a dashed line at the treatment onset. SVG (with labels) or PNG (a raster
 * drawn here, numbers from a 3x5 digit font, written with zlib). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cli.h"

enum { W = 720, H = 440, ML = 70, MR = 20, MT = 40, MB = 60 };

typedef struct {
    double x0, x1, y0, y1; /* data ranges */
} frame;

static double px(const frame *f, double x) { return ML + (x - f->x0) / (f->x1 - f->x0) * (W - ML - MR); }
static double py(const frame *f, double y) { return H - MB - (y - f->y0) / (f->y1 - f->y0) * (H - MT - MB); }

/* A step of 1, 2 or 5 x 10^k giving about 6 ticks over the range. */
static double tick_step(double range)
{
    const double raw = range / 6.0, p = pow(10.0, floor(log10(raw))), r = raw / p;
    return (r < 1.5 ? 1.0 : r < 3.5 ? 2.0 : r < 7.5 ? 5.0 : 10.0) * p;
}

static void make_frame(frame *f, const double *x, const double *lo, const double *hi, size_t n)
{
    f->x0 = f->x1 = x[0];
    f->y0 = f->y1 = 0.0;
    for (size_t i = 0; i < n; i++) {
        f->x0 = fmin(f->x0, x[i]);
        f->x1 = fmax(f->x1, x[i]);
        if (isfinite(lo[i])) f->y0 = fmin(f->y0, lo[i]);
        if (isfinite(hi[i])) f->y1 = fmax(f->y1, hi[i]);
    }
    const double dx = f->x1 > f->x0 ? f->x1 - f->x0 : 1.0, dy = f->y1 > f->y0 ? f->y1 - f->y0 : 1.0;
    f->x0 -= 0.5 * dx / (double)(n > 1 ? n - 1 : 1) + (n == 1);
    f->x1 += 0.5 * dx / (double)(n > 1 ? n - 1 : 1) + (n == 1);
    f->y0 -= 0.08 * dy;
    f->y1 += 0.08 * dy;
}

static int write_svg(FILE *out, const frame *f, const char *title, const char *xlabel,
                     const double *x, const double *est, const double *lo, const double *hi,
                     size_t n)
{
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                 "font-family=\"sans-serif\" font-size=\"12\">\n"
                 "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H);
    fprintf(out, "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">", W / 2);
    for (const char *c = title; *c; c++) /* escape the XML specials */
        fputs(*c == '<' ? "&lt;" : *c == '>' ? "&gt;" : *c == '&' ? "&amp;" : (char[]){*c, 0}, out);
    fputs("</text>\n", out);
    const double sy = tick_step(f->y1 - f->y0), sx = tick_step(f->x1 - f->x0) < 1 ? 1 : tick_step(f->x1 - f->x0);
    for (double y = ceil(f->y0 / sy) * sy; y <= f->y1; y += sy)
        fprintf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                     "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                ML, W - MR, py(f, y), py(f, y), ML - 6, py(f, y) + 4, fabs(y) < 1e-12 * sy ? 0 : y);
    for (double v = ceil(f->x0 / sx) * sx; v <= f->x1; v += sx)
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", px(f, v),
                H - MB + 18, v);
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", (ML + W - MR) / 2,
            H - 16, xlabel);
    fprintf(out, "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">"
                 "estimate</text>\n", (MT + H - MB) / 2);
    fprintf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", ML,
            W - MR, py(f, 0), py(f, 0));
    if (f->x0 < -0.5 && f->x1 > -0.5)
        fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#888\" "
                     "stroke-dasharray=\"5 4\"/>\n", px(f, -0.5), px(f, -0.5), MT, H - MB);
    for (size_t i = 0; i < n; i++) {
        const char *col = x[i] < 0 ? "#777" : "#1f5fbf";
        if (isfinite(lo[i]) && isfinite(hi[i]))
            fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                         "stroke-width=\"2\"/>\n", px(f, x[i]), px(f, x[i]), py(f, lo[i]),
                    py(f, hi[i]), col);
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", px(f, x[i]),
                py(f, est[i]), col);
    }
    fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                 "stroke=\"black\"/>\n</svg>\n", ML, MT, W - ML - MR, H - MT - MB);
    return ferror(out) ? -1 : 0;
}

/* The PNG raster: 8-bit RGB. */
typedef struct {
    unsigned char *p;
} canvas;

static void dot(canvas *c, int x, int y, uint32_t rgb)
{
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    unsigned char *q = c->p + ((size_t)y * W + (size_t)x) * 3;
    q[0] = (unsigned char)(rgb >> 16);
    q[1] = (unsigned char)(rgb >> 8);
    q[2] = (unsigned char)rgb;
}

static void hline(canvas *c, int x0, int x1, int y, uint32_t rgb, int dash)
{
    for (int x = x0; x <= x1; x++)
        if (!dash || (x / 5) % 2 == 0) dot(c, x, y, rgb);
}

static void vline(canvas *c, int x, int y0, int y1, uint32_t rgb, int dash)
{
    if (y0 > y1) {
        int t = y0;
        y0 = y1;
        y1 = t;
    }
    for (int y = y0; y <= y1; y++)
        if (!dash || (y / 5) % 2 == 0) dot(c, x, y, rgb);
}

/* Digits, '-', '.', 'e', '+' in 3x5 cells, a row per 3 bits. */
static void glyph(canvas *c, int x, int y, char ch)
{
    static const char *chars = "0123456789-.e+";
    static const unsigned short rows[][5] = {
        {7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
        {7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7},
        {0, 0, 7, 0, 0}, {0, 0, 0, 0, 2}, {0, 7, 5, 6, 7}, {0, 2, 7, 2, 0}};
    const char *k = strchr(chars, ch);
    if (!k || !ch) return;
    for (int r = 0; r < 5; r++)
        for (int b = 0; b < 3; b++)
            if (rows[k - chars][r] & (4 >> b))
                for (int s = 0; s < 4; s++) dot(c, x + 2 * b + s % 2, y + 2 * r + s / 2, 0x333333);
}

static void text(canvas *c, int x, int y, double v, int right)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%g", v);
    const int w = (int)strlen(buf) * 8;
    for (size_t i = 0; buf[i]; i++) glyph(c, (right ? x - w : x - w / 2) + 8 * (int)i, y, buf[i]);
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static int chunk(FILE *out, const char *type, const unsigned char *data, uint32_t len)
{
    unsigned char h[8];
    put32(h, len);
    memcpy(h + 4, type, 4);
    uLong crc = crc32(0L, (const Bytef *)type, 4);
    if (len) crc = crc32(crc, data, len);
    unsigned char t[4];
    put32(t, (uint32_t)crc);
    return fwrite(h, 1, 8, out) == 8 && (!len || fwrite(data, 1, len, out) == len) &&
                   fwrite(t, 1, 4, out) == 4
               ? 0
               : -1;
}

static int write_png(FILE *out, const frame *f, const double *x, const double *est,
                     const double *lo, const double *hi, size_t n)
{
    const size_t raw_len = (size_t)H * (1 + 3 * W);
    canvas c = {malloc((size_t)W * H * 3)};
    unsigned char *raw = malloc(raw_len);
    uLongf zlen = compressBound((uLong)raw_len);
    unsigned char *z = malloc(zlen);
    int rc = -1;
    if (!c.p || !raw || !z) goto done;
    memset(c.p, 255, (size_t)W * H * 3);
    const double sy = tick_step(f->y1 - f->y0), sx = tick_step(f->x1 - f->x0) < 1 ? 1 : tick_step(f->x1 - f->x0);
    for (double y = ceil(f->y0 / sy) * sy; y <= f->y1; y += sy) {
        hline(&c, ML, W - MR, (int)lround(py(f, y)), 0xdddddd, 0);
        text(&c, ML - 6, (int)lround(py(f, y)) - 5, fabs(y) < 1e-12 * sy ? 0 : y, 1);
    }
    for (double v = ceil(f->x0 / sx) * sx; v <= f->x1; v += sx)
        text(&c, (int)lround(px(f, v)), H - MB + 8, v, 0);
    hline(&c, ML, W - MR, (int)lround(py(f, 0)), 0x000000, 0);
    if (f->x0 < -0.5 && f->x1 > -0.5) vline(&c, (int)lround(px(f, -0.5)), MT, H - MB, 0x888888, 1);
    for (size_t i = 0; i < n; i++) {
        const uint32_t col = x[i] < 0 ? 0x777777 : 0x1f5fbf;
        const int cx = (int)lround(px(f, x[i])), cy = (int)lround(py(f, est[i]));
        if (isfinite(lo[i]) && isfinite(hi[i]))
            for (int d = -1; d <= 0; d++)
                vline(&c, cx + d, (int)lround(py(f, lo[i])), (int)lround(py(f, hi[i])), col, 0);
        for (int dy = -4; dy <= 4; dy++)
            for (int dx = -4; dx <= 4; dx++)
                if (dx * dx + dy * dy <= 16) dot(&c, cx + dx, cy + dy, col);
    }
    hline(&c, ML, W - MR, MT, 0, 0);
    hline(&c, ML, W - MR, H - MB, 0, 0);
    vline(&c, ML, MT, H - MB, 0, 0);
    vline(&c, W - MR, MT, H - MB, 0, 0);
    for (int y = 0; y < H; y++) { /* filter byte 0, then the row */
        raw[(size_t)y * (1 + 3 * W)] = 0;
        memcpy(raw + (size_t)y * (1 + 3 * W) + 1, c.p + (size_t)y * W * 3, (size_t)W * 3);
    }
    if (compress2(z, &zlen, raw, (uLong)raw_len, 9) != Z_OK) goto done;
    unsigned char ihdr[13];
    put32(ihdr, W);
    put32(ihdr + 4, H);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* RGB */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    rc = fwrite(sig, 1, 8, out) == 8 && !chunk(out, "IHDR", ihdr, 13) &&
                 !chunk(out, "IDAT", z, (uint32_t)zlen) && !chunk(out, "IEND", NULL, 0)
             ? 0
             : -1;
done:
    free(c.p);
    free(raw);
    free(z);
    return rc;
}

int cli_plot_event_study(const char *cmd, const char *path, const char *title, const char *xlabel,
                         const double *x, const double *est, const double *se, double crit,
                         size_t n)
{
    const size_t len = strlen(path);
    const int svg = len > 4 && !strcmp(path + len - 4, ".svg");
    const int png = len > 4 && !strcmp(path + len - 4, ".png");
    if (!svg && !png) {
        fprintf(stderr, "kestrel %s: --plot '%s': the file name must end in .svg or .png\n", cmd,
                path);
        return CLI_USAGE;
    }
    if (n == 0) {
        fprintf(stderr, "kestrel %s: --plot: no estimates to plot\n", cmd);
        return CLI_FAILED;
    }
    double *lo = malloc(2 * n * sizeof *lo);
    if (!lo) {
        fprintf(stderr, "kestrel %s: --plot: out of memory\n", cmd);
        return CLI_FAILED;
    }
    double *hi = lo + n;
    for (size_t i = 0; i < n; i++) {
        lo[i] = est[i] - crit * se[i];
        hi[i] = est[i] + crit * se[i];
    }
    frame f;
    make_frame(&f, x, lo, hi, n);
    /* written to a temporary name, renamed when complete: nothing half-written is left */
    char *tmp = malloc(len + 8);
    FILE *out = tmp ? (snprintf(tmp, len + 8, "%s.part", path), fopen(tmp, "wb")) : NULL;
    int rc = CLI_FAILED;
    if (!out) {
        fprintf(stderr, "kestrel %s: --plot: cannot write '%s': %s\n", cmd, path,
                tmp ? strerror(errno) : "out of memory");
    } else {
        int w = svg ? write_svg(out, &f, title, xlabel, x, est, lo, hi, n)
                    : write_png(out, &f, x, est, lo, hi, n);
        errno = 0;
        if (fclose(out) || w || rename(tmp, path)) {
            const int err = errno;
            remove(tmp);
            fprintf(stderr, "kestrel %s: --plot: writing '%s' failed: %s\n", cmd, path,
                    err ? strerror(err) : "write error");
        } else {
            rc = CLI_OK;
        }
    }
    free(tmp);
    free(lo);
    return rc;
}
