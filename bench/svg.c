/*
 * bench/svg.c - the bench's charts: horizontal bar charts in plain SVG
 * (see bench.h), log10 scale when asked.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"


static double scale_x(double v, double lo, double hi, int log_scale, double width)
{
    if (v <= 0)
        return 0;
    if (log_scale) {
        double x = (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
        return x < 0 ? 0 : x > 1 ? width : x * width;
    }
    double x = (v - lo) / (hi - lo);
    return x < 0 ? 0 : x > 1 ? width : x * width;
}

static void svg_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else fputc(*s, f);
    }
}

void write_svg(const char *path, const char *title, const char *legend,
                      const struct bar *bars, int n, int log_scale,
                      double lo, double hi, const char *unit)
{
    enum { LEFT = 300, WIDTH = 480, ROW = 22, TOP = 50, RIGHT = 110 };
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    int height = TOP + n * ROW + 50;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "font-family=\"sans-serif\" font-size=\"12\">\n", LEFT + WIDTH + RIGHT, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">");
    svg_escape(f, title);
    fprintf(f, "</text>\n<text x=\"10\" y=\"38\" fill=\"#555\">");
    svg_escape(f, legend);
    fprintf(f, "</text>\n");
    /* grid */
    if (log_scale) {
        for (double t = lo; t <= hi * 1.0001; t *= 10) {
            double x = LEFT + scale_x(t, lo, hi, 1, WIDTH);
            fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%g %s</text>\n",
                    x, TOP - 4, x, TOP + n * ROW, x, TOP + n * ROW + 16, t, unit);
        }
    } else {
        double step = (hi - lo) / 5;
        for (int i = 0; i <= 5; i++) {
            double t = lo + step * i;
            double x = LEFT + scale_x(t, lo, hi, 0, WIDTH);
            fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%g%s</text>\n",
                    x, TOP - 4, x, TOP + n * ROW, x, TOP + n * ROW + 16, t, unit);
        }
    }
    for (int i = 0; i < n; i++) {
        int y = TOP + i * ROW;
        char num[32];
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LEFT - 6, y + 15);
        svg_escape(f, bars[i].label);
        fprintf(f, "</text>\n");
        if (bars[i].value2 > 0)
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#9ecae1\"/>\n",
                    LEFT, y + 3, scale_x(bars[i].value2, lo, hi, log_scale, WIDTH));
        if (bars[i].value > 0)
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#3182bd\"/>\n",
                    LEFT, y + 3, scale_x(bars[i].value, lo, hi, log_scale, WIDTH));
        if (bars[i].mark > 0) {
            double x = LEFT + scale_x(bars[i].mark, lo, hi, log_scale, WIDTH);
            fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d62728\" "
                    "stroke-width=\"2\"/>\n", x, y + 1, x, y + 21);
        }
        double shown = bars[i].value2 > bars[i].value ? bars[i].value2 : bars[i].value;
        char num2[32];
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" fill=\"#333\">%s%s%s</text>\n",
                LEFT + scale_x(shown, lo, hi, log_scale, WIDTH) + 4, y + 15,
                fmt_num(num, sizeof num, bars[i].value), bars[i].value2 > 0 ? " / " : "",
                bars[i].value2 > 0 ? fmt_num(num2, sizeof num2, bars[i].value2) : "");
    }
    fprintf(f, "</svg>\n");
    fclose(f);
}

/* ------------------------------------------------------------------ */
/* make bench-peers: fraction of the limit beside the ratios           */

enum {
    CMP_LABEL = 300,            /* right edge of the labels */
    CMP_FRAC_W = 250,           /* the fraction panel */
    CMP_GAP = 70,
    CMP_RATIO_W = 330,          /* the ratio panel */
    CMP_ROW = 24,
    CMP_TOP = 96
};
#define CMP_FRAC_MAX 1.25
#define CMP_RATIO_LO 0.1
#define CMP_RATIO_HI 100.0

static const char *const peer_colour[] = {
    "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363", "#e7ba52", "#843c39"
};

static int ratio_x0(void) { return CMP_LABEL + 10 + CMP_FRAC_W + CMP_GAP; }

static void compare_axes(FILE *f, int n, double goal)
{
    int bottom = CMP_TOP + n * CMP_ROW;
    int fx = CMP_LABEL + 10, rx = ratio_x0();
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">ours as a fraction of the limit"
            "</text>\n", fx, CMP_TOP - 12);
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">ours as a multiple of each peer "
            "(log)</text>\n", rx, CMP_TOP - 12);
    for (int i = 0; i <= 5; i++) {
        double t = CMP_FRAC_MAX * i / 5;
        double x = fx + scale_x(t, 0, CMP_FRAC_MAX, 0, CMP_FRAC_W);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%g</text>\n",
                x, CMP_TOP - 4, x, bottom, x, bottom + 16, t);
    }
    for (double t = CMP_RATIO_LO; t <= CMP_RATIO_HI * 1.0001; t *= 10) {
        double x = rx + scale_x(t, CMP_RATIO_LO, CMP_RATIO_HI, 1, CMP_RATIO_W);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%g×</text>\n",
                x, CMP_TOP - 4, x, bottom, x, bottom + 16, t);
    }
    double gx = fx + scale_x(goal, 0, CMP_FRAC_MAX, 0, CMP_FRAC_W);
    double one = rx + scale_x(1, CMP_RATIO_LO, CMP_RATIO_HI, 1, CMP_RATIO_W);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d62728\" "
            "stroke-width=\"2\"/>\n", gx, CMP_TOP - 4, gx, bottom);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d62728\" "
            "stroke-width=\"2\"/>\n", one, CMP_TOP - 4, one, bottom);
}

static void compare_legend(FILE *f, const struct compare_row *rows, int n,
                           const char *const *names, int n_names)
{
    int used[16] = { 0 }, x = CMP_LABEL + 10;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < rows[i].n; k++) {
            if (rows[i].ratio[k] > 0 && rows[i].peer[k] >= 0 && rows[i].peer[k] < 16)
                used[rows[i].peer[k]] = 1;
        }
    }
    for (int p = 0; p < n_names && p < 16; p++) {
        if (!used[p])
            continue;
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                "<text x=\"%d\" y=\"%d\">", x, 50, peer_colour[p % 7], x + 14, 59);
        svg_escape(f, names[p]);
        fprintf(f, "</text>\n");
        x += 30 + 8 * (int)strlen(names[p]);
    }
}

static void compare_row_svg(FILE *f, const struct compare_row *r, int y)
{
    char num[32];
    int fx = CMP_LABEL + 10, rx = ratio_x0();
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", CMP_LABEL, y + 16);
    svg_escape(f, r->label);
    fprintf(f, "</text>\n");
    if (r->fraction > 0) {
        double w = scale_x(r->fraction, 0, CMP_FRAC_MAX, 0, CMP_FRAC_W);
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>"
                "<text x=\"%.1f\" y=\"%d\" fill=\"#333\">%s</text>\n", fx, y + 3, w,
                "#9ecae1", fx + w + 4, y + 16, fmt_num(num, sizeof num, r->fraction));
    } else {
        fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#999\">%s</text>\n", fx + 4, y + 16,
                r->fraction < -1.5 ? "not measured" : "no limit server");
    }
    int h = r->n > 0 ? 18 / r->n : 18;
    for (int k = 0; k < r->n; k++) {
        if (r->ratio[k] <= 0)
            continue;
        double w = scale_x(r->ratio[k], CMP_RATIO_LO, CMP_RATIO_HI, 1, CMP_RATIO_W);
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>"
                "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#333\">%s×</text>\n",
                rx, y + 3 + k * h, w, h - 1, peer_colour[r->peer[k] % 7], rx + w + 4,
                y + 3 + k * h + h - 2, fmt_num(num, sizeof num, r->ratio[k]));
    }
}

void write_compare_svg(const char *path, const struct compare_row *rows, int n,
                       double goal, const char *const *names, int n_names)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    int width = ratio_x0() + CMP_RATIO_W + 60, height = CMP_TOP + n * CMP_ROW + 30;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "font-family=\"sans-serif\" font-size=\"12\">\n", width, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">make bench-peers: "
            "ours against the limit and the peers (more is better)</text>\n");
    fprintf(f, "<text x=\"10\" y=\"38\" fill=\"#555\">red lines: the goals (%g of the limit; "
            "ahead of every peer, 1×)</text>\n", goal);
    compare_legend(f, rows, n, names, n_names);
    compare_axes(f, n, goal);
    for (int i = 0; i < n; i++)
        compare_row_svg(f, &rows[i], CMP_TOP + i * CMP_ROW);
    fprintf(f, "</svg>\n");
    fclose(f);
}
