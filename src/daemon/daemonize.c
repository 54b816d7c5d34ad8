// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/daemonize.h"

static int ready_fd = -1;
static bool keep_stdio;

bool wgc_daemonize_foreground_from_env(void)
{
	const char *v = getenv("WG_PROCESS_FOREGROUND");

	return v && !strcmp(v, "1");
}

bool wgc_daemonize_keep_output(const char *log_level_env)
{
	return log_level_env && *log_level_env && strcmp(log_level_env, "silent") != 0;
}

static void redirect(int target_fd, int flags)
{
	int fd = open("/dev/null", flags | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fd != target_fd) {
		dup2(fd, target_fd); /* dup2 clears FD_CLOEXEC on the target */
		close(fd);
	} else {
		fcntl(fd, F_SETFD, 0);
	}
}

/* The parent: wait for the child's verdict, then exit with it. */
static void __attribute__((noreturn)) parent_wait(int fd, pid_t child)
{
	unsigned char status;
	ssize_t r;
	int ws;

	do
		r = read(fd, &status, 1);
	while (r < 0 && errno == EINTR);
	if (r == 1)
		_exit(status);
	/* The child exited (or crashed) without a word. */
	while (waitpid(child, &ws, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(ws) && WEXITSTATUS(ws) ? WEXITSTATUS(ws) : 1);
}

int wgc_daemonize_begin(bool foreground, bool keep_output)
{
	int p[2];
	pid_t pid;

	if (foreground)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int ret = -errno;
		close(p[0]);
		close(p[1]);
		return ret;
	}
	if (pid > 0) {
		close(p[1]);
		parent_wait(p[0], pid);
	}
	close(p[0]);
	ready_fd = p[1];
	keep_stdio = keep_output;
	setsid();
	redirect(STDIN_FILENO, O_RDONLY);
	return 0;
}

void wgc_daemonize_ready(int exit_status)
{
	unsigned char status = (unsigned char)(exit_status ? (exit_status & 0xff ? exit_status : 1) : 0);

	if (ready_fd < 0)
		return;
	if (!keep_stdio && status == 0) {
		redirect(STDOUT_FILENO, O_WRONLY);
		redirect(STDERR_FILENO, O_WRONLY);
	}
	while (write(ready_fd, &status, 1) < 0 && errno == EINTR)
		;
	close(ready_fd);
	ready_fd = -1;
}

int wgc_signals_open(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -EINVAL;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int wgc_signals_read(int fd)
{
	struct signalfd_siginfo si;
	ssize_t r;

	do
		r = read(fd, &si, sizeof(si));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (r != (ssize_t)sizeof(si))
		return -EIO;
	return (int)si.ssi_signo;
}
