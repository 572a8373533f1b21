/* timeit -- runs a command several times and prints the median wall time.
 *
 *   timeit [-n RUNS] [-b SECONDS] [-i INPUT] [-o OUTPUT] -- COMMAND [ARG]...
 *
 * Runs COMMAND (found on PATH) RUNS times (default 5), each with standard
 * input from INPUT (default /dev/null) and standard output to OUTPUT (default
 * /dev/null), standard error inherited, and prints one line:
 *
 *   MEDIAN MIN MAX RUNS
 *
 * in seconds (wall clock, CLOCK_MONOTONIC, from fork to wait).  With -b, it
 * stops repeating once the runs so far add up to SECONDS (after one run at
 * least), so a slow build cannot blow the time budget of `make bench`; RUNS
 * then tells how many were made.  Exit status 0 or 1 of the command counts as
 * success (specvm exits 1 when some rule is not met); anything else, or a
 * signal, makes timeit report it and exit 2.  Used by bench/run.sh; there is
 * no dependency on hyperfine.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void usage(void)
{
    fputs("usage: timeit [-n RUNS] [-b SECONDS] [-i INPUT] [-o OUTPUT] -- COMMAND [ARG]...\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    int runs = 5;
    double budget = 0;
    const char *input = "/dev/null", *output = "/dev/null";
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "-n") == 0)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "-b") == 0)
            budget = atof(argv[++i]);
        else if (strcmp(argv[i], "-i") == 0)
            input = argv[++i];
        else if (strcmp(argv[i], "-o") == 0)
            output = argv[++i];
        else
            usage();
    }
    if (i >= argc || runs < 1 || runs > 1000)
        usage();
    char **cmd = argv + i;

    double *t = malloc(sizeof *t * (size_t)runs);
    if (!t)
        return 2;
    double total = 0;
    int done = 0;
    while (done < runs) {
        double start = now();
        pid_t pid = fork();
        if (pid < 0) {
            perror("timeit: fork");
            return 2;
        }
        if (pid == 0) {
            int in = open(input, O_RDONLY);
            int out = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (in < 0 || out < 0) {
                fprintf(stderr, "timeit: %s: %s\n", in < 0 ? input : output, strerror(errno));
                _exit(127);
            }
            dup2(in, 0);
            dup2(out, 1);
            close(in);
            close(out);
            execvp(cmd[0], cmd);
            fprintf(stderr, "timeit: %s: %s\n", cmd[0], strerror(errno));
            _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
            if (errno != EINTR) {
                perror("timeit: waitpid");
                return 2;
            }
        double el = now() - start;
        if (WIFSIGNALED(status) || WEXITSTATUS(status) > 1) {
            fprintf(stderr, "timeit: %s: ", cmd[0]);
            if (WIFSIGNALED(status))
                fprintf(stderr, "killed by signal %d\n", WTERMSIG(status));
            else
                fprintf(stderr, "exit status %d\n", WEXITSTATUS(status));
            return 2;
        }
        t[done++] = el;
        total += el;
        if (budget > 0 && total >= budget)
            break;
    }
    qsort(t, (size_t)done, sizeof *t, cmp_double);
    double median = done % 2 ? t[done / 2] : (t[done / 2 - 1] + t[done / 2]) / 2;
    printf("%.6f %.6f %.6f %d\n", median, t[0], t[done - 1], done);
    free(t);
    return 0;
}
