/*
 * bench/bench.c - `make bench` and `make bench-peers`: start the server
 * under test, run the workloads of workloads.h against it, and print the
 * figures as a Markdown table (written to OUTDIR/results.md, or
 * OUTDIR/peers.md) with an SVG chart beside it.
 *
 *   bench [-o OUTDIR] [-s SERVER]            our server alone
 *   bench -p [-o OUTDIR] [-s SERVER]         ours against the peers
 *
 * SERVER (default ./server) is run as "SERVER -q -p 0 -r www" (and with
 * "-r bench/www" for the static file); run from the top of the tree.
 *
 * BENCH_QUICK=1 in the environment (or -Q) runs every workload once,
 * small and short (a few seconds in all): the test suite uses it to show
 * that the bench works, never to judge a figure.
 *
 * How it measures (issue 9, "How to measure on a small shared VM"):
 *   - every workload run starts the server afresh and stops it after;
 *   - each figure is the median of RUNS (3) runs, the servers taking
 *     turns within each round (ours, then each peer);
 *   - ping-pong workloads (WebSocket echo) run server and client on the
 *     same CPU: on a VM, waking an idle second vCPU for every message
 *     costs more than the server's work and every server looks alike;
 *     the others put the server on CPU 0 and the client on CPU 1.  The
 *     placement is printed with the figures.
 *
 * Peers (bench -p), each a command printing "listening on http://...":
 *   BENCH_PEER_WS   npm `ws`: /testSocket echo, /hub fan-out
 *   BENCH_PEER_NWS  npm `nodejs-websocket`, the article's §4.5 library
 *   BENCH_PEER_SSE  the article's §5.3 SSE server in plain Node http
 *   BENCH_PEER_NGINX nginx with one worker (a command with {PORT})
 * A peer whose variable is empty is skipped with a message.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "proc.h"
#include "workloads.h"

enum {
    RUNS = 3,                   /* the median of this many */
    PEER_SLOTS = 3,             /* servers taking turns: ours and up to two peers */
    FULL_SUBSCRIBERS = 990,     /* "1,000": the server takes 1000 connections
                                   (SERVER_MAX_CONNECTIONS); the publisher and
                                   /stats need some of the rest */
    QUICK_SUBSCRIBERS = 50,
    REPLY_CLIENTS_MANY = 100,   /* streamed replies asked for at once */
    MAX_ROWS = 64
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

static struct plan plan;
static const char *server_bin = "./server";   /* -s: another build, or a
                                                  command prefix such as
                                                  "perf record -g ./server" */
static char ours_cmd[1024], static_cmd[1024];
static const char *static_path = "/small.html";
static char placement_pingpong[128], placement_split[128];
static int cpu_server = 0, cpu_client_split = 1;
static int pin_works;

/* ------------------------------------------------------------------ */
/* medians                                                             */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The field-by-field median of n rate results (ok only if all were). */
static struct rate_result median_rate(struct rate_result *r, int n)
{
    struct rate_result m;
    double a[RUNS], b[RUNS], c[RUNS], d[RUNS];
    memset(&m, 0, sizeof m);
    m.ok = 1;
    for (int i = 0; i < n; i++) {
        a[i] = r[i].per_s;
        b[i] = r[i].p50_us;
        c[i] = r[i].p99_us;
        d[i] = (double)r[i].count;
        m.lost += r[i].lost;
        m.ok &= r[i].ok;
    }
    m.per_s = median(a, n);
    m.p50_us = median(b, n);
    m.p99_us = median(c, n);
    m.count = (uint64_t)median(d, n);
    return m;
}

/* ------------------------------------------------------------------ */
/* running one workload on a fresh server                              */

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
static int run_once(const char *cmd, const struct wl *w, union wl_result *out)
{
    struct server_proc s;
    int pingpong = w->kind == WL_ECHO;
    int client_cpu = pingpong ? cpu_server : cpu_client_split;
    if (pin_works)
        pin_to_cpu(client_cpu);
    int64_t t0 = now_ns();
    if (server_start(&s, cmd, pin_works ? cpu_server : -1) != 0)
        return -1;
    int rc = -1;
    memset(out, 0, sizeof *out);
    switch (w->kind) {
    case WL_ECHO:
        rc = wl_echo(s.port, w->conns, w->depth, plan.duration_ms, &out->rate);
        break;
    case WL_FANOUT:
        rc = wl_fanout(s.port, w->fanout, w->subs, plan.duration_ms, &out->rate);
        break;
    case WL_STATIC:
        rc = wl_static(s.port, static_path, plan.duration_ms, &out->rate);
        break;
    case WL_IDLE:
        rc = wl_idle(&s, w->idle, plan.idle_conns, &out->idle);
        break;
    case WL_LATENCY:
        rc = wl_latency(s.port, w->tech, w->subs, plan.messages, plan.spacing_ms, &out->lat);
        break;
    case WL_REPLY:
        rc = wl_reply(s.port, w->subs, plan.replies, &out->reply);
        break;
    }
    if (!server_alive(&s)) {
        fprintf(stderr, "bench: the server `%s` died during the workload\n", cmd);
        rc = -1;
    }
    server_stop(&s);
    if (getenv("BENCH_VERBOSE") != NULL)
        fprintf(stderr, "bench: workload %d (%s) took %.2f s%s\n", (int)w->kind, cmd,
                (double)(now_ns() - t0) / 1e9, rc ? " (errors)" : "");
    return rc;
}

/* ------------------------------------------------------------------ */
/* output: Markdown to stdout and a file, SVG charts                   */

static FILE *md;

static void out(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static void out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (md != NULL) {
        va_start(ap, fmt);
        vfprintf(md, fmt, ap);
        va_end(ap);
    }
    fflush(stdout);
}

/* A figure with a sensible number of digits. */
static const char *fmt_num(char *buf, size_t size, double v)
{
    if (v < 0)
        snprintf(buf, size, "n/a");
    else if (v >= 1000)
        snprintf(buf, size, "%.0f", v);
    else if (v >= 100)
        snprintf(buf, size, "%.0f", v);
    else if (v >= 10)
        snprintf(buf, size, "%.1f", v);
    else
        snprintf(buf, size, "%.2f", v);
    return buf;
}

/* One horizontal bar chart.  value: the bar; value2 (or -1): a second,
 * lighter bar behind it (e.g. p99 behind p50); mark (or -1): a tick (a
 * goal).  log10 scale when `log_scale`. */
struct bar { char label[64]; double value, value2, mark; };

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

static void write_svg(const char *path, const char *title, const char *legend,
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

static void print_header(const char *what)
{
    struct utsname u;
    char when[64];
    time_t t = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&t));
    uname(&u);
    out("# %s\n\n", what);
    out("%s, %s %s %s, %d CPUs; %s mode: median of %d run%s, a fresh server per run.\n\n",
        when, u.sysname, u.release, u.machine, cpu_count(),
        plan.quick ? "quick (BENCH_QUICK=1)" : "full", plan.runs, plan.runs > 1 ? "s" : "");
    out("Placement: ping-pong workloads (WebSocket echo): %s; the others: %s.\n\n",
        placement_pingpong, placement_split);
}

/* ------------------------------------------------------------------ */
/* make bench: our server alone                                        */

static int failures;

/* BENCH_ONLY=echo (or latency, fanout, idle, static, reply) runs one section:
 * for profiling one workload, not for the published figures. */
static int wanted(const char *section)
{
    const char *only = getenv("BENCH_ONLY");
    return only == NULL || only[0] == '\0' || strstr(only, section) != NULL;
}

static struct rate_result rate_median_of(const char *cmd, const struct wl *w)
{
    struct rate_result r[RUNS];
    union wl_result u;
    for (int i = 0; i < plan.runs; i++) {
        if (run_once(cmd, w, &u) != 0)
            u.rate.ok = 0;
        r[i] = u.rate;
    }
    return median_rate(r, plan.runs);
}

static struct idle_result idle_median_of(const char *cmd, const struct wl *w)
{
    struct idle_result m;
    double per[RUNS], before[RUNS], after[RUNS];
    union wl_result u;
    memset(&m, 0, sizeof m);
    m.ok = 1;
    for (int i = 0; i < plan.runs; i++) {
        if (run_once(cmd, w, &u) != 0)
            u.idle.ok = 0;
        per[i] = u.idle.kib_per_conn;
        before[i] = (double)u.idle.rss_before_kib;
        after[i] = (double)u.idle.rss_after_kib;
        m.ok &= u.idle.ok;
        m.conns = u.idle.conns;
    }
    m.kib_per_conn = median(per, plan.runs);
    m.rss_before_kib = (long)median(before, plan.runs);
    m.rss_after_kib = (long)median(after, plan.runs);
    return m;
}

static void bench_latency(const char *outdir)
{
    struct bar bars[MAX_ROWS];
    int nb = 0;
    char a[32], b[32], c[32], d[32];
    out("## Delivery latency, publish to receipt\n\n");
    out("POST /publish of a message carrying its send time; each subscriber reads its "
        "technique's wire format.  %d messages %d ms apart per run; short polls every %d ms, "
        "long polls with wait=%d.  Requests and bytes per delivered message are the "
        "server's own /stats counters over the run (the clock's \"time\" event each "
        "second is included on the streams); delivered counts every run together.\n\n",
        plan.messages, plan.spacing_ms, SHORT_POLL_INTERVAL_MS, LONG_POLL_WAIT_S);
    out("| technique | subscribers | p50 ms | p99 ms | delivered | requests/msg | bytes/msg |\n");
    out("|---|---:|---:|---:|---:|---:|---:|\n");
    int sizes[2] = { 1, plan.big_subs };
    for (int t = 0; t < T_COUNT; t++) {
        for (int k = 0; k < 2; k++) {
            struct wl w = { WL_LATENCY, 0, 0, FANOUT_SSE, IDLE_WS, (enum tech)t, sizes[k] };
            double p50[RUNS], p99[RUNS], req[RUNS], bytes[RUNS];
            uint64_t delivered = 0, expected = 0;
            int ok = 1;
            for (int i = 0; i < plan.runs; i++) {
                union wl_result u;
                if (run_once(ours_cmd, &w, &u) != 0)
                    ok = 0;
                p50[i] = u.lat.p50_ms;
                p99[i] = u.lat.p99_ms;
                req[i] = u.lat.requests_per_msg;
                bytes[i] = u.lat.bytes_per_msg;
                delivered += u.lat.delivered;
                expected += u.lat.expected;
            }
            if (!ok || delivered != expected)
                failures++;
            double m50 = median(p50, plan.runs), m99 = median(p99, plan.runs);
            out("| %s | %d | %s | %s | %llu/%llu%s | %s | %s |\n", tech_label[t], sizes[k],
                fmt_num(a, sizeof a, m50), fmt_num(b, sizeof b, m99),
                (unsigned long long)delivered, (unsigned long long)expected,
                ok ? "" : " (errors)",
                fmt_num(c, sizeof c, median(req, plan.runs)),
                fmt_num(d, sizeof d, median(bytes, plan.runs)));
            snprintf(bars[nb].label, sizeof bars[nb].label, "%s, %d sub%s", tech_label[t],
                     sizes[k], sizes[k] > 1 ? "s" : "");
            bars[nb].value = m50;
            bars[nb].value2 = m99;
            bars[nb].mark = -1;
            nb++;
        }
    }
    out("\n![delivery latency per technique](latency.svg)\n\n");
    char path[512];
    snprintf(path, sizeof path, "%s/latency.svg", outdir);
    write_svg(path, "Delivery latency, publish to receipt (ms, log scale)",
              "dark: p50, light: p99; short polls every 200 ms, long polls held",
              bars, nb, 1, 0.01, 1000, "ms");
}

static void bench_echo_rows(void)
{
    static const int shapes[3][2] = { { 1, 1 }, { 1, 32 }, { 100, 1 } };
    char a[32], b[32], c[32];
    out("## WebSocket echo on /testSocket (64-byte text messages)\n\n");
    out("| connections x depth | messages/s | p50 µs | p99 µs |\n|---|---:|---:|---:|\n");
    for (int i = 0; i < 3; i++) {
        struct wl w = { WL_ECHO, shapes[i][0], shapes[i][1], FANOUT_SSE, IDLE_WS, T_WS_HUB, 0 };
        struct rate_result r = rate_median_of(ours_cmd, &w);
        if (!r.ok)
            failures++;
        out("| %d x %d | %s | %s | %s |%s\n", shapes[i][0], shapes[i][1],
            fmt_num(a, sizeof a, r.per_s), fmt_num(b, sizeof b, r.p50_us),
            fmt_num(c, sizeof c, r.p99_us), r.ok ? "" : " errors");
    }
    out("\n");
}

static void bench_fanout_rows(void)
{
    char a[32], b[32], c[32];
    out("## Fan-out to %d subscribers (one message at a time)\n\n", plan.big_subs);
    out("| route | deliveries/s | p50 µs | p99 µs | lost |\n|---|---:|---:|---:|---:|\n");
    for (int k = 0; k < 2; k++) {
        struct wl w = { WL_FANOUT, 0, 0, k ? FANOUT_SSE : FANOUT_WS_HUB, IDLE_WS, T_WS_HUB,
                        plan.big_subs };
        struct rate_result r = rate_median_of(ours_cmd, &w);
        if (!r.ok)
            failures++;
        out("| %s | %s | %s | %s | %llu |\n", k ? "/sseStream (POST /publish)" : "/hub (WebSocket text)",
            fmt_num(a, sizeof a, r.per_s), fmt_num(b, sizeof b, r.p50_us),
            fmt_num(c, sizeof c, r.p99_us), (unsigned long long)r.lost);
    }
    out("\n");
}

static void bench_idle_rows(void)
{
    char a[32];
    out("## Server memory per idle connection\n\n");
    out("| connections | RSS before KiB | RSS after KiB | KiB per connection |\n|---|---:|---:|---:|\n");
    for (int k = 0; k < 2; k++) {
        struct wl w = { WL_IDLE, 0, 0, FANOUT_SSE, k ? IDLE_SSE : IDLE_WS, T_WS_HUB, 0 };
        struct idle_result r = idle_median_of(ours_cmd, &w);
        if (!r.ok)
            failures++;
        out("| %d idle %s | %ld | %ld | %s |\n", plan.idle_conns, k ? "SSE" : "WebSocket",
            r.rss_before_kib, r.rss_after_kib, fmt_num(a, sizeof a, r.kib_per_conn));
    }
    out("\n");
}

static void bench_static_rows(void)
{
    char a[32], b[32], c[32];
    struct wl w = { WL_STATIC, 0, 0, FANOUT_SSE, IDLE_WS, T_WS_HUB, 0 };
    struct rate_result r = rate_median_of(static_cmd, &w);
    if (!r.ok)
        failures++;
    out("## Static file, keep-alive\n\n");
    out("| file | connections | requests/s | p50 µs | p99 µs |\n|---|---:|---:|---:|---:|\n");
    out("| %s (bench/www) | %d | %s | %s | %s |\n\n", static_path, STATIC_CONNECTIONS,
        fmt_num(a, sizeof a, r.per_s), fmt_num(b, sizeof b, r.p50_us), fmt_num(c, sizeof c, r.p99_us));
}

/* The streamed reply (POST /stream/reply): not a fan-out but one
 * request's answer, paced by the server, so its figures are the time to
 * the first piece and to the done event. */
static void bench_reply_rows(void)
{
    char a[32], b[32], c[32], d[32], e[32], f[32];
    static const int sizes[2] = { 1, REPLY_CLIENTS_MANY };
    out("## Streamed reply (POST /stream/reply)\n\n");
    out("Each client POSTs \"%s\" %d time%s, one reply after the other (a reply is the "
        "last response on its connection).  The reply, \"服务端已收到信息，您的信息是%s\", is "
        "%zu characters, one piece every 30 ms (STREAM_REPLY_TICK_MS), so the time to the "
        "done event is paced by the server; the time to the first piece is its own latency.  "
        "Requests and bytes per reply are the server's /stats counters.\n\n",
        REPLY_MESSAGE, plan.replies, plan.replies == 1 ? "" : "s", REPLY_MESSAGE,
        (size_t)REPLY_PREFIX_CHARS + sizeof REPLY_MESSAGE - 1);
    out("| clients | replies | first piece p50 ms | p99 ms | done p50 ms | p99 ms | requests/reply | bytes/reply |\n");
    out("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int k = 0; k < 2; k++) {
        struct wl w = { WL_REPLY, 0, 0, FANOUT_SSE, IDLE_WS, T_WS_HUB, sizes[k] };
        double v[6][RUNS];
        uint64_t got = 0, expected = 0;
        int ok = 1;
        for (int i = 0; i < plan.runs; i++) {
            union wl_result u;
            if (run_once(ours_cmd, &w, &u) != 0)
                ok = 0;
            v[0][i] = u.reply.first_p50_ms;
            v[1][i] = u.reply.first_p99_ms;
            v[2][i] = u.reply.done_p50_ms;
            v[3][i] = u.reply.done_p99_ms;
            v[4][i] = u.reply.requests_per_reply;
            v[5][i] = u.reply.bytes_per_reply;
            got += u.reply.replies;
            expected += u.reply.expected;
        }
        if (!ok)
            failures++;
        out("| %d | %llu/%llu%s | %s | %s | %s | %s | %s | %s |\n", sizes[k],
            (unsigned long long)got, (unsigned long long)expected, ok ? "" : " (errors)",
            fmt_num(a, sizeof a, median(v[0], plan.runs)), fmt_num(b, sizeof b, median(v[1], plan.runs)),
            fmt_num(c, sizeof c, median(v[2], plan.runs)), fmt_num(d, sizeof d, median(v[3], plan.runs)),
            fmt_num(e, sizeof e, median(v[4], plan.runs)), fmt_num(f, sizeof f, median(v[5], plan.runs)));
    }
    out("\n");
}

static void bench_ours(const char *outdir)
{
    print_header("make bench: the C server");
    if (wanted("latency"))
        bench_latency(outdir);
    if (wanted("echo"))
        bench_echo_rows();
    if (wanted("fanout"))
        bench_fanout_rows();
    if (wanted("idle"))
        bench_idle_rows();
    if (wanted("static"))
        bench_static_rows();
    if (wanted("reply"))
        bench_reply_rows();
}

/* ------------------------------------------------------------------ */
/* make bench-peers                                                    */

struct peer { const char *name; const char *env; const char *cmd; };

static struct peer peers[] = {
    { "ws", "BENCH_PEER_WS", NULL },
    { "nodejs-websocket (article §4.5)", "BENCH_PEER_NWS", NULL },
    { "article SSE (§5.3, Node http)", "BENCH_PEER_SSE", NULL },
    { "nginx (1 worker)", "BENCH_PEER_NGINX", NULL }
};
enum { P_WS, P_NWS, P_SSE, P_NGINX, P_COUNT };

static struct bar ratio_bars[MAX_ROWS];
static int n_ratio_bars;
static int goals_missed;

/* One Markdown row: figure, ours, peer, ratio, goal and verdict.
 * higher_is_better: ratio = ours/peer, else peer/ours ("times better").
 * `chart` is the figure's short name on the SVG chart (ASCII). */
static void ratio_row(const char *chart, const char *figure, const char *peer, double ours,
                      double theirs, int higher_is_better, double goal, const char *goal_text)
{
    char a[32], b[32], c[32];
    double ratio = ours > 0 && theirs > 0 ? (higher_is_better ? ours / theirs : theirs / ours) : -1;
    const char *verdict = goal <= 0 ? "" : ratio < 0 ? "n/a" : ratio >= goal ? "met" : "**missed**";
    if (goal > 0 && ratio >= 0 && ratio < goal)
        goals_missed++;
    out("| %s | %s | %s | %s | %s× | %s | %s |\n", figure, peer, fmt_num(a, sizeof a, ours),
        fmt_num(b, sizeof b, theirs), fmt_num(c, sizeof c, ratio), goal_text, verdict);
    if (n_ratio_bars < MAX_ROWS) {
        struct bar *br = &ratio_bars[n_ratio_bars++];
        snprintf(br->label, sizeof br->label, "%s vs %s", chart, peer);
        br->value = ratio;
        br->value2 = -1;
        br->mark = goal > 0 ? goal : -1;
    }
}

/* An absolute goal (memory, p99): ours against a limit. */
static void limit_row(const char *figure, double ours, double limit, const char *goal_text)
{
    char a[32];
    int met = ours >= 0 && ours <= limit;
    if (!met)
        goals_missed++;
    out("| %s | (limit) | %s | | | %s | %s |\n", figure, fmt_num(a, sizeof a, ours), goal_text,
        met ? "met" : "**missed**");
}

/* Run workload w on each of the n servers (at most PEER_SLOTS) plan.runs
 * times, the servers taking turns within each run, and give each one's
 * median.  A NULL command (a peer not installed) gets a zeroed, not-ok
 * result. */
static void rates_in_turns(const char *const *cmds, int n, const struct wl *w,
                           struct rate_result *medians)
{
    struct rate_result res[PEER_SLOTS][RUNS];
    for (int run = 0; run < plan.runs; run++) {
        for (int s = 0; s < n; s++) {
            union wl_result u;
            memset(&u, 0, sizeof u);
            if (cmds[s] != NULL && run_once(cmds[s], w, &u) != 0)
                u.rate.ok = 0;
            res[s][run] = u.rate;
        }
    }
    for (int s = 0; s < n; s++)
        medians[s] = median_rate(res[s], plan.runs);
}

static void peers_echo(void)
{
    static const int shapes[3][2] = { { 1, 1 }, { 1, 32 }, { 100, 1 } };
    static const double goal[3] = { 1.6, 10, 2.5 };
    const char *cmds[3] = { ours_cmd, peers[P_WS].cmd, peers[P_NWS].cmd };
    for (int i = 0; i < 3; i++) {
        struct wl w = { WL_ECHO, shapes[i][0], shapes[i][1], FANOUT_SSE, IDLE_WS, T_WS_HUB, 0 };
        struct rate_result m[3];   /* ours, ws, nodejs-websocket */
        rates_in_turns(cmds, 3, &w, m);
        char figure[96], g[32], chart[48];
        snprintf(figure, sizeof figure, "echo %d conn x depth %d, msgs/s", shapes[i][0], shapes[i][1]);
        snprintf(chart, sizeof chart, "echo %dx%d msgs/s", shapes[i][0], shapes[i][1]);
        snprintf(g, sizeof g, "≥ %g× ws", goal[i]);
        if (cmds[1] != NULL)
            ratio_row(chart, figure, "ws", m[0].per_s, m[1].per_s, 1, goal[i], g);
        if (cmds[2] != NULL)
            ratio_row(chart, figure, "nodejs-websocket", m[0].per_s, m[2].per_s, 1, 0, "");
        snprintf(figure, sizeof figure, "echo %d conn x depth %d, p99 µs", shapes[i][0], shapes[i][1]);
        snprintf(chart, sizeof chart, "echo %dx%d p99", shapes[i][0], shapes[i][1]);
        if (cmds[1] != NULL)
            ratio_row(chart, figure, "ws", m[0].p99_us, m[1].p99_us, 0, 2, "p99 ≤ ½ ws");
        if (cmds[2] != NULL)
            ratio_row(chart, figure, "nodejs-websocket", m[0].p99_us, m[2].p99_us, 0, 0, "");
    }
}

static void peers_fanout(void)
{
    for (int k = 0; k < 2; k++) {
        const char *cmds[3] = { ours_cmd, k ? peers[P_SSE].cmd : peers[P_WS].cmd,
                                k ? NULL : peers[P_NWS].cmd };
        struct wl w = { WL_FANOUT, 0, 0, k ? FANOUT_SSE : FANOUT_WS_HUB, IDLE_WS, T_WS_HUB,
                        plan.big_subs };
        struct rate_result m[3];
        rates_in_turns(cmds, 3, &w, m);
        char figure[96];
        const char *route = k ? "/sseStream" : "/hub";
        char chart[48];
        snprintf(figure, sizeof figure, "%s fan-out to %d, deliveries/s", route, plan.big_subs);
        snprintf(chart, sizeof chart, "%s fan-out/s", route);
        if (cmds[1] != NULL)
            ratio_row(chart, figure, k ? "article SSE" : "ws", m[0].per_s, m[1].per_s, 1,
                      k ? 1.6 : 1.3, k ? "≥ 1.6× article" : "≥ 1.3× ws");
        if (cmds[2] != NULL)
            ratio_row(chart, figure, "nodejs-websocket", m[0].per_s, m[2].per_s, 1, 0, "");
        snprintf(figure, sizeof figure, "%s fan-out to %d, p99 µs", route, plan.big_subs);
        snprintf(chart, sizeof chart, "%s fan-out p99", route);
        if (cmds[1] != NULL)
            ratio_row(chart, figure, k ? "article SSE" : "ws", m[0].p99_us, m[1].p99_us, 0, 0, "");
        limit_row(figure, m[0].p99_us, 7000, "≤ 7000 µs");
        snprintf(figure, sizeof figure, "%s fan-out to %d, messages lost",
                 k ? "/sseStream" : "/hub", plan.big_subs);
        limit_row(figure, (double)m[0].lost, 0, "0");
    }
}

static void peers_idle(void)
{
    for (int k = 0; k < 2; k++) {
        const char *cmds[3] = { ours_cmd, k ? peers[P_SSE].cmd : peers[P_WS].cmd,
                                k ? NULL : peers[P_NWS].cmd };
        const char *names[3] = { "ours", k ? "article SSE" : "ws", "nodejs-websocket" };
        struct wl w = { WL_IDLE, 0, 0, FANOUT_SSE, k ? IDLE_SSE : IDLE_WS, T_WS_HUB, 0 };
        double per[3][RUNS];
        for (int run = 0; run < plan.runs; run++) {
            for (int s = 0; s < 3; s++) {
                union wl_result u;
                memset(&u, 0, sizeof u);
                if (cmds[s] != NULL && run_once(cmds[s], &w, &u) != 0)
                    u.idle.kib_per_conn = -1;
                per[s][run] = u.idle.kib_per_conn;
            }
        }
        double m[3];
        for (int s = 0; s < 3; s++)
            m[s] = median(per[s], plan.runs);
        char figure[96];
        snprintf(figure, sizeof figure, "RSS per idle %s connection, KiB", k ? "SSE" : "WebSocket");
        for (int s = 1; s < 3; s++) {
            if (cmds[s] != NULL)
                ratio_row(k ? "idle SSE RSS" : "idle WebSocket RSS", figure, names[s], m[0], m[s], 0, 0, "");
        }
        limit_row(figure, m[0], 4.0, "≤ 4 KiB");
    }
}

static void peers_static(void)
{
    const char *nginx = peers[P_NGINX].cmd;
    if (nginx == NULL) {
        out("| static keep-alive, requests/s | nginx | | | | ≥ 1.0× nginx | skipped: nginx is not installed (`apt-get install nginx`) |\n");
        return;
    }
    struct wl w = { WL_STATIC, 0, 0, FANOUT_SSE, IDLE_WS, T_WS_HUB, 0 };
    const char *cmds[2] = { static_cmd, nginx };
    struct rate_result m[2];
    rates_in_turns(cmds, 2, &w, m);
    ratio_row("static req/s", "static keep-alive, requests/s", "nginx", m[0].per_s, m[1].per_s, 1, 1.0, "≥ 1.0× nginx");
}

static void bench_peers(const char *outdir)
{
    for (int p = 0; p < P_COUNT; p++) {
        const char *v = getenv(peers[p].env);
        peers[p].cmd = v != NULL && v[0] != '\0' ? v : NULL;
    }
    print_header("make bench-peers: the C server against the article's libraries, ws and nginx");
    for (int p = 0; p < P_COUNT; p++) {
        out("- %s: %s\n", peers[p].name, peers[p].cmd ? peers[p].cmd : "skipped (not available)");
    }
    out("\nRatios are ours/peer for rates and peer/ours for times and memory, so above 1 "
        "always means ours is better.  Fan-out and idle use %d connections; echo messages are "
        "%d bytes.\n\n", plan.big_subs, ECHO_PAYLOAD_BYTES);
    out("| figure | peer | ours | peer's | ratio | goal | verdict |\n|---|---|---:|---:|---:|---|---|\n");
    if (wanted("echo"))
        peers_echo();
    if (wanted("fanout"))
        peers_fanout();
    if (wanted("idle"))
        peers_idle();
    if (wanted("static"))
        peers_static();
    out("\n%d goal%s missed.\n\n![ratios to the peers](peers.svg)\n", goals_missed,
        goals_missed == 1 ? "" : "s");
    char path[512];
    snprintf(path, sizeof path, "%s/peers.svg", outdir);
    write_svg(path, "Ours as a multiple of each peer (above 1: ours is better)",
              "bar: ratio; red tick: the goal of issue 9", ratio_bars, n_ratio_bars,
              1, 0.1, 100, "×");
}

/* ------------------------------------------------------------------ */

static void set_placement(void)
{
    int ncpu = cpu_count();
    pin_works = pin_to_cpu(0) == 0;
    pin_to_cpu(-1);
    cpu_client_split = ncpu > 1 ? 1 : 0;
    if (!pin_works) {
        snprintf(placement_pingpong, sizeof placement_pingpong, "not pinned (no CPU affinity here)");
        snprintf(placement_split, sizeof placement_split, "not pinned");
        return;
    }
    snprintf(placement_pingpong, sizeof placement_pingpong,
             "server and client both on CPU %d", cpu_server);
    snprintf(placement_split, sizeof placement_split, "server on CPU %d, client on CPU %d",
             cpu_server, cpu_client_split);
}

int main(int argc, char **argv)
{
    const char *outdir = "build/bench";
    int peers_mode = 0;
    int opt;
    const char *q = getenv("BENCH_QUICK");
    plan.quick = q != NULL && q[0] != '\0' && strcmp(q, "0") != 0;
    while ((opt = getopt(argc, argv, "o:s:pQh")) != -1) {
        switch (opt) {
        case 'o': outdir = optarg; break;
        case 's': server_bin = optarg; break;
        case 'p': peers_mode = 1; break;
        case 'Q': plan.quick = 1; break;
        default:
            fprintf(stderr, "usage: bench [-p] [-Q] [-o OUTDIR] [-s SERVER]\n");
            return 2;
        }
    }
    if (plan.quick) {
        plan.runs = 1;
        plan.big_subs = QUICK_SUBSCRIBERS;
        plan.messages = 5;
        plan.spacing_ms = 20;
        plan.duration_ms = 300;
        plan.idle_conns = 100;
        plan.replies = 1;
    } else {
        plan.runs = RUNS;
        plan.big_subs = FULL_SUBSCRIBERS;
        plan.messages = 20;
        plan.spacing_ms = 50;
        plan.duration_ms = 2000;
        plan.idle_conns = FULL_SUBSCRIBERS;
        plan.replies = 5;
    }
    snprintf(ours_cmd, sizeof ours_cmd, "%s -q -p 0 -r www", server_bin);
    snprintf(static_cmd, sizeof static_cmd, "%s -q -p 0 -r bench/www", server_bin);
    mkdir(outdir, 0755);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", outdir, peers_mode ? "peers.md" : "results.md");
    md = fopen(path, "w");
    if (md == NULL) {
        fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    set_placement();
    int64_t start = now_ns();
    if (peers_mode)
        bench_peers(outdir);
    else
        bench_ours(outdir);
    out("\n(%.0f s; written to %s)\n", (double)(now_ns() - start) / 1e9, path);
    fclose(md);
    if (failures > 0)
        fprintf(stderr, "bench: %d workload%s had errors (see the table)\n", failures,
                failures == 1 ? "" : "s");
    return failures > 0 ? 1 : 0;
}
