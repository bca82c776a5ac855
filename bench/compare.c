/*
 * bench/compare.c - `make bench-peers`: our server against the limit and
 * the peers of bench/peers/, the servers taking turns within each run.
 *
 * Each workload is a section with one table: a row per figure, giving
 * ours, the limit's figure and ours as a fraction of it, then each
 * peer's figure and ours as a multiple of it.  Fractions and multiples
 * are oriented so that more is better for us: ours/theirs for rates,
 * theirs/ours for times and memory.  The limit servers
 * (bench/peers/limit.h) do the least the workload needs, so no server
 * can be expected to beat them: the fraction says how much is left.
 *
 * The goals of issue 15, checked on every figure and listed at the end,
 * met or missed:
 *   - echo and fan-out: at least GOAL_OF_LIMIT of the limit (rates and
 *     p99 alike);
 *   - every figure: ahead of every peer (ws, nodejs-websocket, the
 *     article's SSE server, nginx with one worker for static files);
 *   - absolute ones: nothing lost in a fan-out, at most IDLE_GOAL_KIB of
 *     RSS per idle connection.
 *
 * Peers, each a command printing "listening on http://..." (or holding
 * {PORT}); an empty variable skips the peer, with a message:
 *   BENCH_PEER_LIMIT_ECHO, BENCH_PEER_LIMIT_BROADCAST, BENCH_PEER_LIMIT_SSE
 *   BENCH_PEER_WS    npm `ws`: /testSocket echo, /hub fan-out
 *   BENCH_PEER_NWS   npm `nodejs-websocket`, the article's §4.5 library
 *   BENCH_PEER_SSE   the article's §5.3 SSE server in plain Node http
 *   BENCH_PEER_NGINX nginx with one worker (a command with {PORT})
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define GOAL_OF_LIMIT 0.9       /* echo, fan-out: this fraction of the limit */
#define IDLE_GOAL_KIB 4.0       /* RSS per idle connection */

enum {
    PEER_SLOTS = 2 + SECTION_PEERS,   /* servers taking turns: ours, the limit, peers */
    MAX_GOALS = 64
};

struct peer { const char *name; const char *column; const char *env; const char *cmd; };

static struct peer peers[] = {
    { "limit: WebSocket echo", "limit", "BENCH_PEER_LIMIT_ECHO", NULL },
    { "limit: WebSocket broadcast", "limit", "BENCH_PEER_LIMIT_BROADCAST", NULL },
    { "limit: SSE hub", "limit", "BENCH_PEER_LIMIT_SSE", NULL },
    { "ws", "ws", "BENCH_PEER_WS", NULL },
    { "nodejs-websocket (article §4.5)", "nodejs-websocket", "BENCH_PEER_NWS", NULL },
    { "article SSE (§5.3, Node http)", "article SSE", "BENCH_PEER_SSE", NULL },
    { "nginx (1 worker)", "nginx", "BENCH_PEER_NGINX", NULL }
};
enum { P_LIMIT_ECHO, P_LIMIT_BROADCAST, P_LIMIT_SSE, P_WS, P_NWS, P_SSE, P_NGINX, P_COUNT,
       P_NONE = -1 };

/* One workload's servers: ours, its limit (or P_NONE), its peers. */
struct section {
    const char *title;
    int limit;
    int peer[SECTION_PEERS];    /* P_NONE for an empty slot */
};

/* One figure of a section: ours, the limit's, each peer's (-1: none). */
struct figure {
    char name[64];
    int higher_is_better;
    double ours, limit, peer[SECTION_PEERS];
};

/* A goal checked on one figure: met when have >= want (or have <= want
 * for an upper bound); have < 0: not measured. */
struct goal {
    char text[160];             /* the figure and the goal, for the list */
    double have, want;
    int at_most;
};

static struct goal goals[MAX_GOALS];
static int n_goals;
static struct compare_row rows[MAX_ROWS];
static int n_rows;

/* ------------------------------------------------------------------ */
/* figures, fractions, goals                                           */

/* Ours against theirs, more is better for us; -1 if either is missing. */
static double ours_vs(double ours, double theirs, int higher_is_better)
{
    if (ours <= 0 || theirs <= 0)
        return -1;
    return higher_is_better ? ours / theirs : theirs / ours;
}

static struct goal *add_goal(double have, double want, int at_most)
{
    static struct goal spare;   /* past MAX_GOALS: written, never listed */
    struct goal *g = n_goals < MAX_GOALS ? &goals[n_goals++] : &spare;
    g->have = have;
    g->want = want;
    g->at_most = at_most;
    return g;
}

static int goal_met(const struct goal *g)
{
    return g->at_most ? g->have <= g->want : g->have >= g->want;
}

/* The goals of one figure: GOAL_OF_LIMIT of the limit (if the section
 * has one) and ahead of every peer (the closest one decides). */
static void figure_goals(const struct section *s, const struct figure *f)
{
    if (s->limit != P_NONE) {
        struct goal *g = add_goal(ours_vs(f->ours, f->limit, f->higher_is_better),
                                  GOAL_OF_LIMIT, 0);
        snprintf(g->text, sizeof g->text, "%s: at least %g of the limit", f->name,
                 GOAL_OF_LIMIT);
    }
    double worst = -1;
    const char *who = "";
    for (int i = 0; i < SECTION_PEERS; i++) {
        if (s->peer[i] == P_NONE)
            continue;
        double r = ours_vs(f->ours, f->peer[i], f->higher_is_better);
        if (r > 0 && (worst < 0 || r < worst)) {
            worst = r;
            who = peers[s->peer[i]].column;
        }
    }
    if (s->peer[0] != P_NONE) {
        struct goal *g = add_goal(worst, 1.0, 0);
        snprintf(g->text, sizeof g->text, "%s: ahead of every peer (%s%s)", f->name,
                 worst > 0 ? "closest: " : "none measured", who);
    }
}

static void table_head(const struct section *s)
{
    out("## %s\n\n| figure | ours |", s->title);
    if (s->limit != P_NONE)
        out(" limit | of limit |");
    for (int i = 0; i < SECTION_PEERS && s->peer[i] != P_NONE; i++)
        out(" %s | vs %s |", peers[s->peer[i]].column, peers[s->peer[i]].column);
    out("\n|---|---:|");
    if (s->limit != P_NONE)
        out("---:|---:|");
    for (int i = 0; i < SECTION_PEERS && s->peer[i] != P_NONE; i++)
        out("---:|---:|");
    out("\n");
}

/* Print a figure's row, check its goals, and keep it for the chart. */
static void figure_row(const struct section *s, const struct figure *f)
{
    char a[32], b[32];
    struct compare_row *row = n_rows < MAX_ROWS ? &rows[n_rows++] : NULL;
    out("| %s | %s |", f->name, fmt_num(a, sizeof a, f->ours));
    double frac = ours_vs(f->ours, f->limit, f->higher_is_better);
    if (s->limit != P_NONE)
        out(" %s | %s |", fmt_num(a, sizeof a, f->limit), fmt_num(b, sizeof b, frac));
    if (row != NULL) {
        snprintf(row->label, sizeof row->label, "%s", f->name);
        row->fraction = s->limit == P_NONE ? -1 : frac > 0 ? frac : -2;
        row->n = 0;
    }
    for (int i = 0; i < SECTION_PEERS && s->peer[i] != P_NONE; i++) {
        double r = ours_vs(f->ours, f->peer[i], f->higher_is_better);
        out(" %s | %s%s |", fmt_num(a, sizeof a, f->peer[i]), fmt_num(b, sizeof b, r),
            r > 0 ? "×" : "");
        if (row != NULL) {
            row->ratio[row->n] = r;
            row->peer[row->n++] = s->peer[i];
        }
    }
    out("\n");
    figure_goals(s, f);
}

/* ------------------------------------------------------------------ */
/* running the servers in turns                                        */

/* The section's commands in turn order: ours (or `ours`), the limit,
 * the peers.  NULL for a server not available.  Returns how many. */
static int section_cmds(const struct section *s, const char *ours, const char **cmds)
{
    int n = 0;
    cmds[n++] = ours;
    if (s->limit != P_NONE)
        cmds[n++] = peers[s->limit].cmd;
    for (int i = 0; i < SECTION_PEERS && s->peer[i] != P_NONE; i++)
        cmds[n++] = peers[s->peer[i]].cmd;
    return n;
}

/* Run workload w on each of the n servers plan.runs times, the servers
 * taking turns within each run, and give each one's median.  A NULL
 * command (a peer not available) gets a zeroed, not-ok result. */
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

enum measure { RATE, P99, LAST_P99 };

/* A figure from the medians (ours first, then the section's order);
 * a server that had errors or did not run counts as missing (-1). */
static void fill_figure(struct figure *f, const struct section *s,
                        const struct rate_result *m, enum measure what)
{
    double v[PEER_SLOTS];
    for (int i = 0; i < PEER_SLOTS; i++)
        v[i] = -1;
    for (int i = 0; i < PEER_SLOTS; i++) {
        if (m[i].ok)
            v[i] = what == RATE ? m[i].per_s : what == P99 ? m[i].p99_us : m[i].last_p99_us;
    }
    int k = 0;
    f->higher_is_better = what == RATE;
    f->ours = v[k++];
    f->limit = s->limit != P_NONE ? v[k++] : -1;
    for (int i = 0; i < SECTION_PEERS; i++)
        f->peer[i] = s->peer[i] != P_NONE ? v[k++] : -1;
}

/* Messages each server lost in a fan-out (every run together): counts,
 * with no fraction and no goal but ours (nothing lost). */
static void lost_row(const char *what, const struct rate_result *m, int n)
{
    out("| %s, messages lost |", what);
    for (int i = 0; i < n; i++) {
        if (m[i].ok)
            out(" %llu |", (unsigned long long)m[i].lost);
        else
            out(" n/a |");
        if (i > 0)
            out(" |");          /* its fraction or ratio column */
    }
    out("\n");
    struct goal *g = add_goal(m[0].ok ? (double)m[0].lost : -1, 0, 1);
    snprintf(g->text, sizeof g->text, "%s: messages lost", what);
}

/* The rows of one rate workload: the rate and the p99; for a fan-out
 * also the last delivery p99 and the messages lost. */
static void rate_rows(const struct section *s, const char *ours, const struct wl *w,
                      const char *what, const char *unit)
{
    const char *cmds[PEER_SLOTS];
    struct rate_result m[PEER_SLOTS];
    memset(m, 0, sizeof m);
    int n = section_cmds(s, ours, cmds);
    rates_in_turns(cmds, n, w, m);
    if (!m[0].ok)
        failures++;
    struct figure f;
    fill_figure(&f, s, m, RATE);
    snprintf(f.name, sizeof f.name, "%s, %s", what, unit);
    figure_row(s, &f);
    fill_figure(&f, s, m, P99);
    snprintf(f.name, sizeof f.name, "%s, p99 µs", what);
    figure_row(s, &f);
    if (w->kind != WL_FANOUT)
        return;
    fill_figure(&f, s, m, LAST_P99);
    snprintf(f.name, sizeof f.name, "%s, last delivery p99 µs", what);
    figure_row(s, &f);
    lost_row(what, m, n);
}

/* ------------------------------------------------------------------ */
/* the workloads                                                       */

static void peers_echo(void)
{
    static const int shapes[3][2] = { { 1, 1 }, { 1, 32 }, { 100, 1 } };
    char title[96];
    snprintf(title, sizeof title, "WebSocket echo on /testSocket (%d-byte text messages)",
             ECHO_PAYLOAD_BYTES);
    struct section s = { title, P_LIMIT_ECHO, { P_WS, P_NWS } };
    table_head(&s);
    for (int i = 0; i < 3; i++) {
        struct wl w = { WL_ECHO, shapes[i][0], shapes[i][1], FANOUT_SSE, IDLE_WS, T_WS_HUB, 0 };
        char what[48];
        snprintf(what, sizeof what, "echo %d conn x depth %d", shapes[i][0], shapes[i][1]);
        rate_rows(&s, ours_cmd, &w, what, "msgs/s");
    }
    out("\n");
}

static void peers_fanout(void)
{
    char what[48];
    struct section hub = { "Fan-out, WebSocket (a text frame to every /hub client)",
                           P_LIMIT_BROADCAST, { P_WS, P_NWS } };
    struct section sse = { "Fan-out, SSE (POST /publish to every /sseStream)",
                           P_LIMIT_SSE, { P_SSE, P_NONE } };
    struct wl w = { WL_FANOUT, 0, 0, FANOUT_WS_HUB, IDLE_WS, T_WS_HUB, plan.big_subs };
    snprintf(what, sizeof what, "/hub fan-out to %d", plan.big_subs);
    table_head(&hub);
    rate_rows(&hub, ours_cmd, &w, what, "deliveries/s");
    out("\n");
    w.fanout = FANOUT_SSE;
    snprintf(what, sizeof what, "/sseStream fan-out to %d", plan.big_subs);
    table_head(&sse);
    rate_rows(&sse, ours_cmd, &w, what, "deliveries/s");
    out("\n");
}

static void peers_idle(void)
{
    for (int k = 0; k < 2; k++) {
        struct section s = { k ? "Memory per idle SSE connection (no limit server)"
                               : "Memory per idle WebSocket connection (no limit server: "
                                 "the limit servers do not try to save memory)",
                             P_NONE, { k ? P_SSE : P_WS, k ? P_NONE : P_NWS } };
        const char *cmds[PEER_SLOTS];
        int n = section_cmds(&s, ours_cmd, cmds);
        struct wl w = { WL_IDLE, 0, 0, FANOUT_SSE, k ? IDLE_SSE : IDLE_WS, T_WS_HUB, 0 };
        double per[PEER_SLOTS][RUNS], m[PEER_SLOTS];
        for (int run = 0; run < plan.runs; run++) {
            for (int i = 0; i < n; i++) {
                union wl_result u;
                memset(&u, 0, sizeof u);
                if (cmds[i] == NULL || run_once(cmds[i], &w, &u) != 0)
                    u.idle.kib_per_conn = -1;
                per[i][run] = u.idle.kib_per_conn;
            }
        }
        for (int i = 0; i < n; i++)
            m[i] = median(per[i], plan.runs);
        struct figure f = { "", 0, m[0], -1, { m[1], n > 2 ? m[2] : -1 } };
        snprintf(f.name, sizeof f.name, "RSS per idle %s connection, KiB", k ? "SSE" : "WebSocket");
        table_head(&s);
        figure_row(&s, &f);
        out("\n");
        struct goal *g = add_goal(m[0], IDLE_GOAL_KIB, 1);
        snprintf(g->text, sizeof g->text, "%s: at most %g KiB", f.name, IDLE_GOAL_KIB);
    }
}

static void peers_static(void)
{
    struct section s = { "Static file, keep-alive (no limit server: nginx is the bar)",
                         P_NONE, { P_NGINX, P_NONE } };
    struct wl w = { WL_STATIC, 0, 0, FANOUT_SSE, IDLE_WS, T_WS_HUB, 0 };
    char what[64];
    snprintf(what, sizeof what, "%s, %d connections", static_path, STATIC_CONNECTIONS);
    table_head(&s);
    rate_rows(&s, static_cmd, &w, what, "requests/s");
    out("\n");
}

/* ------------------------------------------------------------------ */

/* A goal's figure: a count as a whole number, anything else as fmt_num. */
static const char *fmt_goal(char *buf, size_t size, double v)
{
    if (v >= 0 && v < 1e6 && v == (double)(long)v) {
        snprintf(buf, size, "%ld", (long)v);
        return buf;
    }
    return fmt_num(buf, size, v);
}

/* The goals, each met or missed, and a count that says it plainly. */
static void print_goals(void)
{
    char a[32], b[32];
    int met = 0, missed = 0, na = 0;
    out("## Goals (issue 15)\n\n| goal | ours | wanted | verdict |\n|---|---:|---:|---|\n");
    for (int i = 0; i < n_goals; i++) {
        const struct goal *g = &goals[i];
        const char *verdict = g->have < 0 ? "not measured" : goal_met(g) ? "met" : "**missed**";
        met += g->have >= 0 && goal_met(g);
        missed += g->have >= 0 && !goal_met(g);
        na += g->have < 0;
        out("| %s | %s | %s %s | %s |\n", g->text, fmt_goal(a, sizeof a, g->have),
            g->at_most ? "≤" : "≥", fmt_goal(b, sizeof b, g->want), verdict);
    }
    out("\n**%d goal%s met, %d missed, %d not measured.**\n", met, met == 1 ? "" : "s",
        missed, na);
    if (missed > 0) {
        out("Missed:\n\n");
        for (int i = 0; i < n_goals; i++) {
            if (goals[i].have >= 0 && !goal_met(&goals[i]))
                out("- %s (%s, wanted %s %s)\n", goals[i].text,
                    fmt_goal(a, sizeof a, goals[i].have), goals[i].at_most ? "≤" : "≥",
                    fmt_goal(b, sizeof b, goals[i].want));
        }
    }
    out("\n");
}

void bench_peers(const char *outdir)
{
    for (int p = 0; p < P_COUNT; p++) {
        const char *v = getenv(peers[p].env);
        peers[p].cmd = v != NULL && v[0] != '\0' ? v : NULL;
    }
    print_header("make bench-peers: the C server against the limit, the article's "
                 "libraries, ws and nginx");
    for (int p = 0; p < P_COUNT; p++)
        out("- %s: %s\n", peers[p].name, peers[p].cmd ? peers[p].cmd : "skipped (not available)");
    out("\n\"of limit\" is ours as a fraction of the limit server's figure (bench/peers/limit.h: "
        "the least the workload needs, no checks), so 1 is the limit; \"vs PEER\" is ours "
        "as a multiple of that peer's.  Both are oriented so that more is better for us: "
        "ours/theirs for rates, theirs/ours for times and memory.  A fan-out's p99 is over "
        "every delivery; its last delivery p99 is over messages, each timed from its "
        "publish to its receipt by the last subscriber.  Fan-out and idle use %d "
        "connections; echo messages are %d bytes.\n\n", plan.big_subs, ECHO_PAYLOAD_BYTES);
    if (wanted("echo"))
        peers_echo();
    if (wanted("fanout"))
        peers_fanout();
    if (wanted("idle"))
        peers_idle();
    if (wanted("static"))
        peers_static();
    print_goals();
    out("![fraction of the limit and ratios to the peers](peers.svg)\n");
    char path[512];
    const char *names[P_COUNT];
    for (int p = 0; p < P_COUNT; p++)
        names[p] = peers[p].column;
    snprintf(path, sizeof path, "%s/peers.svg", outdir);
    write_compare_svg(path, rows, n_rows, GOAL_OF_LIMIT, names, P_COUNT);
}
