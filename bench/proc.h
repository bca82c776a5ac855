/*
 * bench/proc.h - starting and stopping the server under test, pinning it
 * and the client to CPUs, and reading its resident memory.
 *
 * A server is a shell command.  Ours is "./server -q -p 0"; the peers in
 * bench/peers/ are "node bench/peers/....js" and print the same
 * "listening on http://127.0.0.1:PORT" line on stderr, which is how the
 * bench learns the port the kernel chose.  A command containing {PORT}
 * (nginx, which prints nothing) is given a free port instead, and the
 * bench waits until that port accepts.
 */
#ifndef BENCH_PROC_H
#define BENCH_PROC_H

enum {
    SERVER_START_TIMEOUT_MS = 10 * 1000,  /* until it listens */
    SERVER_STOP_TIMEOUT_MS = 3 * 1000     /* after SIGTERM, then SIGKILL */
};

struct server_proc {
    int pid;
    int port;
    char log_path[256];     /* its stderr */
};

/* Start `cmd` on CPU `cpu` (-1: not pinned).  0 on success. */
int server_start(struct server_proc *s, const char *cmd, int cpu);
void server_stop(struct server_proc *s);
/* 1 while the process runs. */
int server_alive(const struct server_proc *s);
/* VmRSS in KiB from /proc/PID/status (Linux), or -1. */
long server_rss_kib(const struct server_proc *s);

/* Pin the calling process to `cpu` (-1: every CPU).  0 on success, -1 if
 * this system cannot (then figures are printed as "not pinned"). */
int pin_to_cpu(int cpu);
/* Number of online CPUs. */
int cpu_count(void);

#endif
