// SPDX-License-Identifier: MIT
/*
 * gone_after PID SOCKET CMD...: runs CMD (for example `ip -n NS link del
 * IF'), then polls every 100 us until process PID has exited (or is a
 * zombie) and the file SOCKET is absent; prints the microseconds from
 * CMD's exit to that moment. Exits 2 when CMD fails, 1 after 10 s.
 * For the teardown tests: how fast a daemon notices its interface is gone.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int process_gone(pid_t pid)
{
	char path[64], line[128];
	int gone = 1;
	FILE *f;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "State:", 6)) {
			gone = strchr(line, 'Z') || strchr(line, 'X');
			break;
		}
	fclose(f);
	return gone;
}

int main(int argc, char **argv)
{
	struct timespec tick = { 0, 100000 };
	struct stat st;
	long long t0;
	pid_t pid, child;
	int status;

	if (argc < 4) {
		fprintf(stderr, "usage: %s PID SOCKET CMD...\n", argv[0]);
		return 2;
	}
	pid = (pid_t)atoi(argv[1]);
	child = fork();
	if (child == 0) {
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	if (child < 0 || waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return 2;
	t0 = now_us();
	while (!process_gone(pid) || !stat(argv[2], &st)) {
		if (now_us() - t0 > 10000000) {
			printf("timeout\n");
			return 1;
		}
		nanosleep(&tick, NULL);
	}
	printf("%lld\n", now_us() - t0);
	return 0;
}
