/* TCP syslog sink for the drain benchmark, the same contract as sink.py at a fraction of its CPU:
 * accepts connections, counts LF-terminated messages, discards them, and keeps the running total
 * in <count_file> (rewritten atomically at most every 20 ms, and at each connection's end). With
 * [expected], the moment the total first reaches it (seconds since the epoch) goes to
 * <count_file>.done: when the last event arrived, whatever the sender does after that.
 *
 *   sink <port> <count_file> [expected]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *count_file;
static long expected = -1;
static atomic_long total;
static atomic_int done;

static void publish(long n) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", count_file);
    FILE *f = fopen(tmp, "w");
    if (!f) { perror(tmp); exit(1); }
    fprintf(f, "%ld", n);
    fclose(f);
    rename(tmp, count_file);
}

static double mono(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static void *serve(void *arg) {
    int fd = (int)(long)arg;
    static __thread char buf[1 << 20];
    double last = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        long k = 0;
        for (char *p = buf, *end = buf + n; (p = memchr(p, '\n', end - p)) != NULL; p++) k++;
        long t = atomic_fetch_add(&total, k) + k;
        if (expected >= 0 && t >= expected && !atomic_exchange(&done, 1)) {
            struct timeval tv; gettimeofday(&tv, NULL);
            char path[4096]; snprintf(path, sizeof path, "%s.done", count_file);
            char tmp[4096]; snprintf(tmp, sizeof tmp, "%s.done.tmp", count_file);
            FILE *f = fopen(tmp, "w"); fprintf(f, "%ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec); fclose(f);
            rename(tmp, path);
            publish(t);
        } else if (mono() - last >= 0.02) {
            publish(t); last = mono();
        }
    }
    close(fd);
    publish(atomic_load(&total));
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: sink PORT COUNT_FILE [EXPECTED]\n"); return 2; }
    count_file = argv[2];
    if (argc > 3) expected = atol(argv[3]);
    int srv = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (bind(srv, (struct sockaddr *)&a, sizeof a) || listen(srv, 16)) { perror("bind"); return 1; }
    publish(0);
    for (;;) {
        int c = accept(srv, NULL, NULL);
        if (c < 0) continue;
        pthread_t t; pthread_create(&t, NULL, serve, (void *)(long)c); pthread_detach(t);
    }
}
