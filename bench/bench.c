/*
 * bench/bench.c - `make bench` and `make bench-peers`: start the server
 * under test, run the workloads of workloads.h against it, and print the
 * figures as a Markdown table (written to OUTDIR/results.md, or
 * OUTDIR/peers.md by compare.c) with an SVG chart beside it.
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
 * bench -p (compare.c) runs the same workloads on the limit servers and
 * the peers of bench/peers/, named by BENCH_PEER_* variables.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "client.h"
#include "proc.h"

struct plan plan;
static const char *server_bin = "./server";   /* -s: another build, or a
                                                  command prefix such as
                                                  "perf record -g ./server" */
char ours_cmd[1024], static_cmd[1024];
const char *static_path = "/small.html";
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

double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct rate_result median_rate(struct rate_result *r, int n)
{
    struct rate_result m;
    double a[RUNS], b[RUNS], c[RUNS], d[RUNS], e[RUNS], f[RUNS];
    memset(&m, 0, sizeof m);
    m.ok = 1;
    for (int i = 0; i < n; i++) {
        a[i] = r[i].per_s;
        b[i] = r[i].p50_us;
        c[i] = r[i].p99_us;
        d[i] = (double)r[i].count;
        e[i] = r[i].last_p50_us;
        f[i] = r[i].last_p99_us;
        m.lost += r[i].lost;
        m.ok &= r[i].ok;
    }
    m.per_s = median(a, n);
    m.p50_us = median(b, n);
    m.p99_us = median(c, n);
    m.count = (uint64_t)median(d, n);
    m.last_p50_us = median(e, n);
    m.last_p99_us = median(f, n);
    return m;
}

/* ------------------------------------------------------------------ */
/* running one workload on a fresh server                              */

int run_once(const char *cmd, const struct wl *w, union wl_result *out)
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
/* output: Markdown to stdout and a file                               */

static FILE *md;

void out(const char *fmt, ...)
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

const char *fmt_num(char *buf, size_t size, double v)
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

void print_header(const char *what)
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
    if (plan.quick)
        out("Quick mode shows that the bench works; one short run with few connections "
            "says nothing about speed, so do not judge its figures or its goals.\n\n");
}

/* ------------------------------------------------------------------ */
/* make bench: our server alone                                        */

int failures;

/* For profiling one workload, not for the published figures. */
int wanted(const char *section)
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
