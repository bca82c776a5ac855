/*
 * bench/proc.c - see proc.h.
 *
 * CPU affinity is not in POSIX: on Linux we use sched_setaffinity(2)
 * (what taskset(1) does), which needs _GNU_SOURCE; elsewhere pinning is
 * reported as unavailable and the bench runs unpinned.
 */
#if defined(__linux__)
#define _GNU_SOURCE
#include <sched.h>
#endif

#include "proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

int pin_to_cpu(int cpu)
{
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cpu < 0) {
        for (int i = 0; i < cpu_count() && i < CPU_SETSIZE; i++)
            CPU_SET(i, &set);
    } else {
        CPU_SET(cpu, &set);
    }
    return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : -1;
#else
    (void)cpu;
    return -1;
#endif
}

int cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* A port the kernel says is free now (for servers that cannot be told
 * "port 0, then tell me"). */
static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0
        || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static int port_accepts(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* The port of the first "listening on http://127.0.0.1:PORT" line. */
static int port_from_log(const char *path)
{
    char line[512];
    int port = -1;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (port < 0 && fgets(line, sizeof line, f) != NULL) {
        const char *p = strstr(line, "listening on http://127.0.0.1:");
        if (p != NULL)
            port = atoi(p + strlen("listening on http://127.0.0.1:"));
    }
    fclose(f);
    return port > 0 ? port : -1;
}

/* Replace the first {PORT} in cmd by port. */
static void substitute_port(char *out, size_t size, const char *cmd, int port)
{
    const char *p = strstr(cmd, "{PORT}");
    snprintf(out, size, "%.*s%d%s", (int)(p - cmd), cmd, port, p + 6);
}

int server_start(struct server_proc *s, const char *cmd, int cpu)
{
    static int serial;
    char full[2048];
    int fixed_port = -1;

    memset(s, 0, sizeof *s);
    s->pid = -1;
    snprintf(s->log_path, sizeof s->log_path, "%s/bench-server-%d-%d.log",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(), serial++);
    if (strstr(cmd, "{PORT}") != NULL) {
        fixed_port = free_port();
        if (fixed_port < 0)
            return -1;
        char with_port[1900];
        substitute_port(with_port, sizeof with_port, cmd, fixed_port);
        snprintf(full, sizeof full, "exec %s", with_port);
    } else {
        snprintf(full, sizeof full, "exec %s", cmd);
    }

    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            close(devnull);
        }
        if (cpu >= 0)
            pin_to_cpu(cpu);
        execl("/bin/sh", "sh", "-c", full, (char *)NULL);
        _exit(127);
    }
    s->pid = (int)pid;

    int64_t deadline = now_ns() + (int64_t)SERVER_START_TIMEOUT_MS * 1000000;
    while (now_ns() < deadline) {
        if (!server_alive(s))
            break;
        if (fixed_port > 0 ? port_accepts(fixed_port) : (s->port = port_from_log(s->log_path)) > 0) {
            if (fixed_port > 0)
                s->port = fixed_port;
            return 0;
        }
        sleep_ms(10);
    }
    fprintf(stderr, "bench: `%s` did not start listening; its stderr:\n", cmd);
    FILE *f = fopen(s->log_path, "r");
    if (f != NULL) {
        char line[512];
        for (int i = 0; i < 20 && fgets(line, sizeof line, f) != NULL; i++)
            fprintf(stderr, "  %s", line);
        fclose(f);
    }
    server_stop(s);
    return -1;
}

int server_alive(const struct server_proc *s)
{
    if (s->pid <= 0)
        return 0;
    int status;
    return waitpid((pid_t)s->pid, &status, WNOHANG) == 0;
}

void server_stop(struct server_proc *s)
{
    if (s->pid > 0) {
        kill((pid_t)s->pid, SIGTERM);
        int64_t deadline = now_ns() + (int64_t)SERVER_STOP_TIMEOUT_MS * 1000000;
        int status;
        while (waitpid((pid_t)s->pid, &status, WNOHANG) == 0) {
            if (now_ns() > deadline) {
                kill((pid_t)s->pid, SIGKILL);
                waitpid((pid_t)s->pid, &status, 0);
                break;
            }
            sleep_ms(5);
        }
    }
    s->pid = -1;
    if (s->log_path[0] != '\0')
        unlink(s->log_path);
}

long server_rss_kib(const struct server_proc *s)
{
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof path, "/proc/%d/status", s->pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = atol(line + 6);
            break;
        }
    }
    fclose(f);
    return kib;
}
