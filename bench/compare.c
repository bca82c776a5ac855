/*
 * bench/compare.c - `make bench-peers`: our server against the peers in
 * bench/peers/, the servers taking turns within each run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

enum { PEER_SLOTS = 3 };        /* servers taking turns: ours and up to two peers */

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

void bench_peers(const char *outdir)
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
