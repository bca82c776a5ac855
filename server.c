/*
 * server.c - main(): the command line, signals, the listeners, the clock
 * event, the two routes that belong to the server itself (/publish and
 * /stats), and the hooks that let the teaching modes watch the layers
 * below without those layers naming them.
 *
 * The article runs a separate Node server per section (port 3000 for the
 * forever frame, 3001 for WebSocket, 3002 for SSE).  Here one process
 * listens on all three and answers every route on each, so the article's
 * URLs work as written and the techniques can be compared side by side.
 *
 * The layers, from the ground up (README, "Layout"): the pure units in
 * core/ (and sha1.c, base64.c); the connection layer and the loop in
 * net/; the technique files (poll.c, iframe.c, ws.c, sse.c) with
 * static.c and the teaching modes in teach/; the route table (routes.c);
 * and this file on top.  Nothing lower names anything higher.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/hub.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "net/clock.h"
#include "net/conn.h"
#include "net/loop.h"
#include "net/stats.h"
#include "routes.h"
#include "sse.h"
#include "static.h"
#include "teach/article.h"
#include "teach/source.h"
#include "teach/step.h"
#include "teach/wire.h"
#include "ws.h"

enum {
    MAX_PORTS = LOOP_MAX_LISTENERS - 1,  /* one listener is kept for the stepper */
    CLOCK_INTERVAL_MS = 1000,            /* the "time" event, as in the article */
    SHUTDOWN_GRACE_MS = 2 * 1000,        /* time to end streams cleanly on SIGINT/SIGTERM */
    STATS_JSON_MAX = 16384,              /* bytes of the /stats answer */
    MAX_TIMEOUT_DIVISOR = 1000           /* -T: the 10 s header timeout becomes 10 ms */
};

static const int default_ports[] = { 3000, 3001, 3002 };

/* The command line. */
struct options {
    int ports[MAX_PORTS];
    size_t n_ports;
    const char *root;
    const char *bind_address;
    int quiet;
    int wire_off;
    int article_mode;
    int control_port;        /* -S: the stepper's port, -1 without */
    /* Testing only (-h lists them apart): */
    int64_t timeout_divisor; /* -T: every timeout this many times shorter */
    int no_clock;            /* -N: no clock event (allocation counts stay exact) */
};

static volatile sig_atomic_t stop_requested;
static int64_t start_ms;
#ifdef MEM_FAIL_TESTING
static uint64_t allocations_at_start;   /* before the first request */
#endif

/* ------------------------------------------------------------------ */
/* the clock                                                           */

/* ARTICLE §2, §5.3: the article's servers push the time every second;
 * here the clock publishes it as a "time" event to every technique. */
static void publish_clock(void)
{
    char text[32];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    size_t n = strftime(text, sizeof text, "%H:%M:%S", &tm);
    loop_publish(HUB_EVENT_TIME, text, n);
}

/* ------------------------------------------------------------------ */
/* /publish and /stats (the routes that belong to the server itself)   */

static void publish_handle(struct conn *c, const struct http_request *req)
{
    char reply[64];
    conn_count_request(c, TECH_HTTP);
    if (req->body_len == 0) {
        conn_respond_error(c, 400, "the message is empty");
        return;
    }
    if (req->body_len > HUB_MESSAGE_MAX_BYTES) {
        conn_respond_errorf(c, 413, "the message is larger than %d bytes",
                            HUB_MESSAGE_MAX_BYTES);
        return;
    }
    if (!utf8_valid(req->body, req->body_len)) {
        conn_respond_error(c, 400, "the message is not valid UTF-8");
        return;
    }
    const struct hub_event *ev = loop_publish(HUB_EVENT_MESSAGE, req->body,
                                              req->body_len);
    if (ev == NULL) {
        conn_respond_error(c, 500, "out of memory");
        return;
    }
    int n = snprintf(reply, sizeof reply, "{\"id\":%llu}\n",
                     (unsigned long long)ev->id);
    conn_respond_json(c, 200, reply, (size_t)n);
}

/* The open connections by state, then the hub's ids.  Each append's
 * result is kept, not only the last: one that failed for want of memory
 * would leave a hole in the JSON while the smaller ones after it
 * succeeded.  0, or -1 if any failed. */
static int stats_json_connections(struct buf *b)
{
    size_t by_state[CONN_STATE_COUNT] = { 0 };
    size_t total = loop_count(by_state);
    int rc = buf_append_str(b, "{\"connections\":{");
    for (int s = 0; s < CONN_STATE_COUNT; s++)
        rc |= buf_printf(b, "\"%s\":%zu,", conn_state_name((enum conn_state)s), by_state[s]);
    rc |= buf_printf(b, "\"total\":%zu},", total);
    rc |= buf_printf(b, "\"events_published\":%llu,\"first_id\":%llu,\"last_id\":%llu,",
                     (unsigned long long)hub_last_id(),
                     (unsigned long long)hub_first_id(),
                     (unsigned long long)hub_last_id());
    return rc;
}

/* The counters of net/stats.c.  0, or -1 if an append failed. */
static int stats_json_counters(struct buf *b, const struct stats *st)
{
    int rc = buf_append_str(b, "\"techniques\":{");
    for (int t = 0; t < TECH_COUNT; t++) {
        rc |= buf_printf(b, "%s\"%s\":{\"requests\":%llu,\"bytes\":%llu,\"deliveries\":%llu}",
                         t ? "," : "", stats_technique_name((enum technique)t),
                         (unsigned long long)st->requests[t],
                         (unsigned long long)st->bytes[t],
                         (unsigned long long)st->deliveries[t]);
    }
    rc |= buf_append_str(b, "},\"dropped\":{");
    for (size_t i = 0; i < STATS_MAX_DROP_REASONS && st->drop_reasons[i] != NULL; i++) {
        rc |= buf_printf(b, "%s\"%s\":%llu", i ? "," : "", st->drop_reasons[i],
                         (unsigned long long)st->drop_counts[i]);
    }
    rc |= buf_append_str(b, "},\"last_drop\":");
    const struct stats_drop *d = &st->last_drop;
    if (d->reason == NULL)
        rc |= buf_append_str(b, "null");
    else
        rc |= buf_printf(b, "{\"reason\":\"%s\",\"technique\":\"%s\",\"conn\":%llu,"
                         "\"after_ms\":%lld,\"at_ms\":%lld}", d->reason,
                         stats_technique_name(d->technique), (unsigned long long)d->conn_id,
                         (long long)d->after_ms, (long long)(d->at_ms - start_ms));
    rc |= buf_printf(b, ",\"accepted\":%llu,\"refused\":%llu,\"uptime_ms\":%lld}\n",
                     (unsigned long long)st->accepted, (unsigned long long)st->refused,
                     (long long)(clock_now_ms() - start_ms));
    return rc;
}

static void stats_handle(struct conn *c, const struct http_request *req)
{
    struct buf b = { NULL, 0, 0, STATS_JSON_MAX };
    (void)req;
    conn_count_request(c, TECH_HTTP);
    int rc = stats_json_connections(&b);
    rc |= stats_json_counters(&b, stats_get());
    conn_respond_json_rendered(c, rc, &b);
}

/* The routes of this file, looked up before routes.c's table. */
static const struct route own_routes[] = {
    { "/publish", "POST", publish_handle,
      "publish the UTF-8 request body as a \"message\" event; answers {\"id\":N}" },
    { "/stats", "GET, HEAD", stats_handle,
      "JSON: open connections by kind, events, requests and bytes per technique" },
    { NULL, NULL, NULL, NULL }
};

/* ------------------------------------------------------------------ */
/* the teaching modes' hooks                                           */

/* The wire view (teach/wire.c) records every byte queued on a
 * connection; the stepper (teach/step.c) records what happened to it. */
static struct conn_observer conn_watchers;

static void install_observers(const struct options *o)
{
    if (!o->wire_off)
        conn_watchers.queued = wire_on_queued;
    if (o->control_port >= 0) {
        conn_watchers.changed = step_on_conn_change;
        loop_set_observer(&step_loop_observer);
    }
    if (conn_watchers.queued != NULL || conn_watchers.changed != NULL)
        conn_set_observer(&conn_watchers);
}

/* ------------------------------------------------------------------ */
/* the command line                                                    */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: server [-p PORT]... [-r DIR] [-b ADDR] [-o ORIGIN]... [-q] [-W]\n"
            "              [-A | --article-mode] [-S PORT | --step[=PORT]] [-h]\n"
            "              [-T DIVISOR] [-N]\n"
            "  -p PORT    listen on PORT (repeatable, at most %d; 0 = any free port);\n"
            "             default 3000, 3001 and 3002, the article's ports\n"
            "  -r DIR     serve static files from DIR (default ./www)\n"
            "  -b ADDR    listen on this IPv4 address (default 127.0.0.1)\n"
            "  -o ORIGIN  accept WebSocket handshakes only from this Origin\n"
            "             (repeatable, at most %d; default: any origin)\n"
            "  -q         no request log on stderr\n"
            "  -W         no wire view: do not keep the last bytes sent per\n"
            "             technique, and answer GET /wire with 404\n"
            "  -A, --article-mode\n"
            "             UNSAFE, for watching the article's bugs: serve its code\n"
            "             as written on the /article/ routes (404 without it)\n"
            "  -S PORT, --step[=PORT]\n"
            "             run the select() loop one iteration at a time, steered\n"
            "             from http://127.0.0.1:PORT/stepper.html (loopback only;\n"
            "             --step alone: port %d; 0 = any free port)\n"
            "  -h         this help\n"
            "testing only:\n"
            "  -T DIVISOR every timeout DIVISOR times shorter (1 to %d), so a test\n"
            "             sees each fire through the real loop in a fraction of\n"
            "             a second; the clock event, SSE retry: and wait= are not\n"
            "             scaled\n"
            "  -N         no clock event (the hub holds only what is published)\n"
            "\nroutes (on every port):\n"
            "  GET, HEAD        /, /<file>                     static files from the www root\n",
            MAX_PORTS, WS_MAX_ALLOWED_ORIGINS, STEP_DEFAULT_PORT, MAX_TIMEOUT_DIVISOR);
    routes_print(out, own_routes);
    routes_print(out, routes);
}

/* A decimal number from 0 to max, or -1. */
static int parse_number(const char *s, int max)
{
    uint64_t v;
    if (http_parse_u64(s, strlen(s), &v) != 0 || v > (uint64_t)max)
        return -1;
    return (int)v;
}

static int parse_port(const char *s)
{
    return parse_number(s, 65535);
}

/* POSIX getopt() knows no long options.  Before it runs, the two long
 * spellings become their short ones in place: "--article-mode" -> "-A",
 * "--step" -> "-S3100", "--step=PORT" -> "-S" "PORT" (as "-SPORT").
 * Only words in option position are rewritten: not the value of an
 * option that takes one ("-r --step" serves a directory so named), and
 * nothing after "--". */
static void translate_long_options(int argc, char **argv)
{
    static char article_short[] = "-A";
    static char step_default[16];
    static char step_with_port[32];
    snprintf(step_default, sizeof step_default, "-S%d", STEP_DEFAULT_PORT);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0 || a[0] != '-')
            return;            /* getopt stops here too */
        if (strcmp(a, "--article-mode") == 0) {
            argv[i] = article_short;
        } else if (strcmp(a, "--step") == 0) {
            argv[i] = step_default;
        } else if (strncmp(a, "--step=", 7) == 0
                   && strlen(a + 7) < sizeof step_with_port - 2) {
            snprintf(step_with_port, sizeof step_with_port, "-S%s", a + 7);
            argv[i] = step_with_port;
        } else if (a[1] != '-') {
            /* "-p 3000", "-qr www": the next word is an option's value */
            size_t k = strcspn(a + 1, "prboST");
            if (a[1 + k] != '\0' && a[2 + k] == '\0')
                i++;
        }
    }
}

/* One option; 0, or the exit status for a bad one. */
static int take_option(struct options *o, int opt, const char *arg)
{
    switch (opt) {
    case 'p':
        if (o->n_ports == MAX_PORTS || (o->ports[o->n_ports] = parse_port(arg)) < 0) {
            fprintf(stderr, "server: bad -p, or more than %d: %s\n", MAX_PORTS, arg);
            return 2;
        }
        o->n_ports++;
        return 0;
    case 'o':
        if (ws_allow_origin(arg) != 0) {
            fprintf(stderr, "server: at most %d -o\n", WS_MAX_ALLOWED_ORIGINS);
            return 2;
        }
        return 0;
    case 'S':
        if ((o->control_port = parse_port(arg)) < 0) {
            fprintf(stderr, "server: bad -S (--step) port: %s\n", arg);
            return 2;
        }
        return 0;
    case 'T':
        if ((o->timeout_divisor = parse_number(arg, MAX_TIMEOUT_DIVISOR)) < 1) {
            fprintf(stderr, "server: bad -T: %s (1 to %d)\n", arg, MAX_TIMEOUT_DIVISOR);
            return 2;
        }
        return 0;
    case 'N': o->no_clock = 1; return 0;
    case 'r': o->root = arg; return 0;
    case 'b': o->bind_address = arg; return 0;
    case 'q': o->quiet = 1; return 0;
    case 'W': o->wire_off = 1; return 0;
    case 'A': o->article_mode = 1; return 0;
    default: return 2;
    }
}

/* Read the command line into o.  -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
    int opt;
    translate_long_options(argc, argv);
    while ((opt = getopt(argc, argv, "p:r:b:o:qWhAS:T:N")) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return 0;
        }
        int status = take_option(o, opt, optarg);
        if (status != 0) {
            if (opt == '?')
                usage(stderr);
            return status;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (o->n_ports == 0) {
        memcpy(o->ports, default_ports, sizeof default_ports);
        o->n_ports = sizeof default_ports / sizeof default_ports[0];
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* start-up                                                            */

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);      /* a dead peer is an EPIPE, not a death */
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The article's ports, then the stepper's control port.  0 or -1. */
static int open_listeners(const struct options *o)
{
    int data_ports[MAX_PORTS];
    for (size_t i = 0; i < o->n_ports; i++) {
        data_ports[i] = loop_listen(o->bind_address, o->ports[i], LOOP_PLANE_DATA);
        if (data_ports[i] < 0) {
            fprintf(stderr, "server: cannot listen on %s:%d: %s\n", o->bind_address,
                    o->ports[i], strerror(errno));
            return -1;
        }
        fprintf(stderr, "listening on http://%s:%d\n", o->bind_address, data_ports[i]);
    }
    if (o->control_port < 0)
        return 0;
    int bound = loop_listen(o->bind_address, o->control_port, LOOP_PLANE_CONTROL);
    if (bound < 0) {
        fprintf(stderr, "server: cannot listen on %s:%d: %s\n", o->bind_address,
                o->control_port, strerror(errno));
        return -1;
    }
    step_set_ports(data_ports, (int)o->n_ports, bound);
    fprintf(stderr, "stepper on http://%s:%d/stepper.html (steered from loopback "
            "only; the loop waits for it)\n", o->bind_address, bound);
    return 0;
}

/* A test build (-DMEM_FAIL_TESTING: make torture, make coverage) fails
 * allocation number $MEM_FAIL_AT, counted from the first request, and
 * says at exit how many allocations there were, so tests/torture.py can
 * count a scenario's allocations and then fail each in turn. */
static void arm_allocation_failure(void)
{
#ifdef MEM_FAIL_TESTING
    const char *at = getenv("MEM_FAIL_AT");
    uint64_t n;
    if (at != NULL && http_parse_u64(at, strlen(at), &n) == 0)
        mem_fail_at(n);
    allocations_at_start = mem_allocations();
#endif
}

static void report_allocations(void)
{
#ifdef MEM_FAIL_TESTING
    fprintf(stderr, "server: %llu allocations\n",
            (unsigned long long)(mem_allocations() - allocations_at_start));
#endif
}

/* Serve until SIGINT or SIGTERM, then end every stream cleanly.  In step
 * mode the control plane (the stepper page and its requests) is served
 * until the reader asks for a data turn (teach/step.c says why). */
static void run(int stepping)
{
    int stopping = 0;
    while (!loop_finished()) {
        if (stop_requested && !stopping) {
            stopping = 1;
            loop_begin_shutdown(SHUTDOWN_GRACE_MS);
            continue;
        }
        while (stepping && !stopping && !stop_requested && !step_take())
            loop_once(LOOP_PLANE_CONTROL);
        if (stop_requested && !stopping)
            continue;
        loop_once(LOOP_PLANE_DATA);
    }
}

int main(int argc, char **argv)
{
    struct options o = { .root = "./www", .bind_address = "127.0.0.1", .control_port = -1,
                         .timeout_divisor = 1 };
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;
    if (static_set_root(o.root) != 0) {
        fprintf(stderr, "server: %s is not a directory (use -r DIR)\n", o.root);
        return 2;
    }
    conn_set_quiet(o.quiet);
    clock_set_timeout_divisor(o.timeout_divisor);
    conn_set_dispatcher(routes_dispatch);
    routes_add_own(own_routes);
    wire_set_enabled(!o.wire_off);
    article_mode_set(o.article_mode);
    install_observers(&o);
    install_signals();
    loop_init();
    if (open_listeners(&o) != 0)
        return 1;
    if (article_mode_on())
        fprintf(stderr, "server: ARTICLE MODE: the article's unsafe code answers "
                "on /article/ (see /article-mode.html)\n");

    start_ms = clock_now_ms();
    if (!o.no_clock)
        loop_every(CLOCK_INTERVAL_MS, publish_clock);
    arm_allocation_failure();
    run(o.control_port >= 0);

    loop_close_all();
    hub_free_all();
    static_cache_free();
    sse_free_rendered();
    report_allocations();
    if (!o.quiet)
        fprintf(stderr, "server: stopped\n");
    return 0;
}
