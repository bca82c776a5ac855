/*
 * test_exhibit.c - the pure parts of article mode and the stepper:
 * step_peer_is_loopback (who may steer the loop: only 127.0.0.0/8, ::1
 * and ::ffff:127.0.0.0/104, never anything else, never a short or foreign
 * address), article_ghost_ticks (the writes a leaked interval would have
 * made, bounded by its lifetime) and article_js_date (String(new Date())).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "teach/article.h"
#include "teach/step.h"
#include "tap.h"

static int v4(const char *addr)
{
    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons(3100);
    if (inet_pton(AF_INET, addr, &in.sin_addr) != 1)
        abort();
    return step_peer_is_loopback((struct sockaddr *)&in, sizeof in);
}

static int v6(const char *addr)
{
    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(3100);
    if (inet_pton(AF_INET6, addr, &in6.sin6_addr) != 1)
        abort();
    return step_peer_is_loopback((struct sockaddr *)&in6, sizeof in6);
}

static void test_loopback(void)
{
    static const char *const v4_yes[] = { "127.0.0.1", "127.0.0.0", "127.1.2.3", "127.255.255.255" };
    static const char *const v4_no[] = { "0.0.0.0", "10.0.0.1", "126.255.255.255", "128.0.0.1",
                                         "192.168.1.127", "255.255.255.255", "1.127.0.1" };
    static const char *const v6_yes[] = { "::1", "::ffff:127.0.0.1", "::ffff:127.9.9.9" };
    static const char *const v6_no[] = { "::", "::2", "fe80::1", "::ffff:10.0.0.1", "::ffff:128.0.0.1",
                                         "::127.0.0.1", "2001:db8::1", "1::1" };
    for (size_t i = 0; i < sizeof v4_yes / sizeof v4_yes[0]; i++)
        tap_ok(v4(v4_yes[i]) == 1, "%s may steer", v4_yes[i]);
    for (size_t i = 0; i < sizeof v4_no / sizeof v4_no[0]; i++)
        tap_ok(v4(v4_no[i]) == 0, "%s may not steer", v4_no[i]);
    for (size_t i = 0; i < sizeof v6_yes / sizeof v6_yes[0]; i++)
        tap_ok(v6(v6_yes[i]) == 1, "%s may steer", v6_yes[i]);
    for (size_t i = 0; i < sizeof v6_no / sizeof v6_no[0]; i++)
        tap_ok(v6(v6_no[i]) == 0, "%s may not steer", v6_no[i]);

    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    tap_ok(step_peer_is_loopback((struct sockaddr *)&in, sizeof in - 1) == 0,
           "a truncated IPv4 address is refused");
    tap_ok(step_peer_is_loopback((struct sockaddr *)&in, sizeof(struct sockaddr_in6)) == 1,
           "(a longer length than sockaddr_in, as from sockaddr_storage, is fine)");
    struct sockaddr_un un;
    memset(&un, 0, sizeof un);
    un.sun_family = AF_UNIX;
    tap_ok(step_peer_is_loopback((struct sockaddr *)&un, sizeof un) == 0,
           "a Unix-domain peer is refused (not an address we can judge)");
    tap_ok(step_peer_is_loopback(NULL, 0) == 0, "no address: refused");
}

static void test_ghost_ticks(void)
{
    struct article_ghost g = { "iframeLongConnection", 10000, 1000, 1, 157 };
    tap_ok(article_ghost_ticks(&g, 9999) == 0, "no tick before the first one is due");
    tap_ok(article_ghost_ticks(&g, 10000) == 1, "the first tick at its time");
    tap_ok(article_ghost_ticks(&g, 12999) == 3, "three ticks by 2.999 s later");
    tap_ok(article_ghost_ticks(&g, 10000 + ARTICLE_GHOST_LIFETIME_MS) == ARTICLE_GHOST_LIFETIME_MS / 1000 + 1,
           "%d ticks at the end of its lifetime", ARTICLE_GHOST_LIFETIME_MS / 1000 + 1);
    tap_ok(article_ghost_ticks(&g, 10000 + 10 * (int64_t)ARTICLE_GHOST_LIFETIME_MS)
           == ARTICLE_GHOST_LIFETIME_MS / 1000 + 1, "and no more after it (bounded)");
    g.interval_ms = 0;
    tap_ok(article_ghost_ticks(&g, 20000) == 0, "a zero interval counts nothing (no division by zero)");
}

static void test_js_date(void)
{
    char out[ARTICLE_DATE_MAX];
    setenv("TZ", "UTC0", 1);
    tzset();     /* localtime_r need not read TZ again by itself */
    size_t n = article_js_date(out, sizeof out, (time_t)1764116820);   /* 2025-11-26 00:27:00 UTC */
    tap_ok(n > 0 && strncmp(out, "Wed Nov 26 2025 00:27:00 GMT+0000 (", 35) == 0,
           "String(new Date()) in UTC: %s", out);
    setenv("TZ", "CST-8", 1);
    tzset();
    n = article_js_date(out, sizeof out, (time_t)1764116820);
    tap_ok(n > 0 && strncmp(out, "Wed Nov 26 2025 08:27:00 GMT+0800 (CST)", 39) == 0,
           "and at UTC+8 (the article's readers): %s", out);
    tap_ok(article_js_date(out, 8, (time_t)0) == 0, "too small a buffer: 0, nothing half-written");
}

int main(void)
{
    test_loopback();
    test_ghost_ticks();
    test_js_date();
    return tap_done();
}
