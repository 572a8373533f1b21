/* maxrss -- runs a command and prints its peak resident memory.
 *
 *   maxrss COMMAND [ARG]...
 *
 * Runs COMMAND (found on PATH) with the standard streams inherited, waits for
 * it, and prints ru_maxrss of the child (getrusage RUSAGE_CHILDREN: the only
 * child) in KiB on standard error, as its last line -- the same as GNU
 * `/usr/bin/time -f %M`, which bench/run.sh prefers when it is installed.
 * Exits with the command's status (128+N for signal N).
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: maxrss COMMAND [ARG]...\n", stderr);
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("maxrss: fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "maxrss: %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            perror("maxrss: waitpid");
            return 2;
        }
    struct rusage ru;
    if (getrusage(RUSAGE_CHILDREN, &ru) != 0) {
        perror("maxrss: getrusage");
        return 2;
    }
    fprintf(stderr, "%ld\n", (long)ru.ru_maxrss);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
