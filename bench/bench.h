/*
 * bench/bench.h - what bench.c (the driver, `make bench`), compare.c
 * (`make bench-peers`) and svg.c (the charts) share: the plan of a run,
 * running one workload on a fresh server, medians, and the Markdown
 * output.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stddef.h>

#include "workloads.h"

enum {
    RUNS = 3,                   /* the median of this many */
    FULL_SUBSCRIBERS = 990,     /* "1,000": the server takes 1000 connections
                                   (SERVER_MAX_CONNECTIONS); the publisher and
                                   /stats need some of the rest */
    QUICK_SUBSCRIBERS = 50,
    REPLY_CLIENTS_MANY = 100,   /* streamed replies asked for at once */
    MAX_ROWS = 64,
    SECTION_PEERS = 2           /* bench-peers: peers beside ours and the limit */
};

/* What one bench run does, full or quick. */
struct plan {
    int quick, runs;
    int big_subs;               /* the "1,000 subscribers" */
    int messages, spacing_ms;   /* latency: published per run, and how often */
    int duration_ms;            /* echo, fan-out, static */
    int idle_conns;
    int replies;                /* streamed replies per client, one after the other */
};

extern struct plan plan;
extern char ours_cmd[1024], static_cmd[1024];   /* our server, two roots */
extern const char *static_path;
extern int failures;            /* workloads that had errors */

/* ---- one workload on a fresh server ---- */
enum wl_kind { WL_ECHO, WL_FANOUT, WL_STATIC, WL_IDLE, WL_LATENCY, WL_REPLY };

struct wl {
    enum wl_kind kind;
    int conns, depth;               /* echo */
    enum fanout_kind fanout;        /* fan-out */
    enum idle_kind idle;            /* idle */
    enum tech tech;                 /* latency */
    int subs;                       /* latency, fan-out; reply: clients */
};

union wl_result {
    struct rate_result rate;
    struct idle_result idle;
    struct latency_result lat;
    struct reply_result reply;
};

/* Start `cmd`, run the workload, stop it.  0 on success. */
int run_once(const char *cmd, const struct wl *w, union wl_result *out);

/* ---- medians ---- */
double median(double *v, int n);
/* The field-by-field median of n rate results (ok only if all were). */
struct rate_result median_rate(struct rate_result *r, int n);

/* ---- output ---- */
/* printf to stdout and to the Markdown file. */
void out(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* A figure with a sensible number of digits ("n/a" if negative). */
const char *fmt_num(char *buf, size_t size, double v);
/* The title, date, machine, mode and CPU placement. */
void print_header(const char *what);
/* BENCH_ONLY=echo (or latency, fanout, idle, static, reply) runs one section. */
int wanted(const char *section);

/* ---- svg.c ---- */
/* One bar of a horizontal bar chart.  value: the bar; value2 (or -1): a
 * second, lighter bar behind it (e.g. p99 behind p50); mark (or -1): a
 * tick (a goal). */
struct bar { char label[64]; double value, value2, mark; };
void write_svg(const char *path, const char *title, const char *legend,
               const struct bar *bars, int n, int log_scale,
               double lo, double hi, const char *unit);

/* One figure of `make bench-peers` on its chart: ours as a fraction of
 * the limit, and as a multiple of each peer's (more is better for us). */
struct compare_row {
    char label[64];
    double fraction;            /* -1: no limit server for this figure,
                                   -2: the limit was not measured */
    int n;
    double ratio[SECTION_PEERS];
    int peer[SECTION_PEERS];    /* index into the names of write_compare_svg */
};
/* Two panels: the fraction (linear, a tick at `goal`) and the ratios
 * (log10, a tick at 1, one colour per peer, named in a legend). */
void write_compare_svg(const char *path, const struct compare_row *rows, int n,
                       double goal, const char *const *names, int n_names);

/* ---- compare.c: make bench-peers ---- */
void bench_peers(const char *outdir);

#endif
