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
