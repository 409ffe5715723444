/* notify.c - the [notify] command, run with the report on its standard
 * input and a time limit (see notify.h). */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/config.h"

/* After SIGTERM, how long the command's group has before SIGKILL. */
#define NOTIFY_GRACE_MS 2000

int notify_opts_from_config(const struct config *cfg, struct notify_opts *o,
			    struct bs_err *err)
{
	const char *on = config_get(cfg, "notify", "on");

	memset(o, 0, sizeof(*o));
	o->command = config_get(cfg, "notify", "command");
	if (o->command && !*o->command)
		o->command = NULL;
	if (!on || !strcmp(on, "failure"))
		o->on = NOTIFY_FAILURE;
	else if (!strcmp(on, "always"))
		o->on = NOTIFY_ALWAYS;
	else if (!strcmp(on, "change"))
		o->on = NOTIFY_CHANGE;
	else
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, "notify", "on"),
				 "[notify] on: '%s' is not one of failure, "
				 "always, change", on);
	if (config_get_ms(cfg, "notify", "timeout", &o->timeout_ms, err) < 0)
		return -1;
	if (!o->timeout_ms)
		return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
				 config_line(cfg, "notify", "timeout"),
				 "[notify] timeout: must be more than 0");
	return 0;
}

int notify_wanted(const struct notify_opts *o, int code, int prev_code)
{
	if (!o->command)
		return 0;
	switch (o->on) {
	case NOTIFY_ALWAYS:
		return 1;
	case NOTIFY_FAILURE:
		return code != 0;
	case NOTIFY_CHANGE:
		return code != 0 || (prev_code > 0);
	}
	return 0;
}

/* In the child: stdin from fd, stdout to stderr, its own process group,
 * the variables, then the shell.  Never returns. */
static void child(const struct notify_opts *o, const struct notify_run *r,
		  int fd)
{
	char num[32];
	struct sigaction sa;

	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (dup2(fd, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(127);
	close(fd);
	snprintf(num, sizeof(num), "%d", r->code);
	setenv("BILLSYNC_EXIT_CODE", num, 1);
	snprintf(num, sizeof(num), "%lld", r->run);
	setenv("BILLSYNC_RUN_ID", num, 1);
	setenv("BILLSYNC_COMMAND", r->command ? r->command : "", 1);
	setenv("BILLSYNC_STATUS", r->status ? r->status : "", 1);
	execl("/bin/sh", "sh", "-c", o->command, (char *)NULL);
	_exit(127);
}

/* Writes the report into the pipe (non-blocking: a command that does not
 * read it must not hold billsync) until done or the deadline; closes fd. */
static void feed(int fd, const char *p, size_t len,
		 unsigned long long deadline)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	ssize_t n;

	while (len && clock_now_ms() < deadline) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = write(fd, p, len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;    /* EPIPE: it closed its input, which is fine */
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

/* Waits for pid until deadline; 0 with *status when it ended, -1 if not. */
static int wait_until(pid_t pid, unsigned long long deadline, int *status)
{
	pid_t w;

	for (;;) {
		w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return 0;
		if (clock_now_ms() >= deadline)
			return -1;
		clock_nap(20, NULL, NULL);
	}
}

int notify_send(const struct notify_opts *o, const struct notify_run *r,
		const char *report, size_t len, struct bs_err *err)
{
	unsigned long long deadline = clock_now_ms() + o->timeout_ms;
	int fds[2], status = 0;
	pid_t pid;

	if (pipe(fds) < 0)
		return bs_err_set(err, BS_E_IO, "[notify] cannot start the "
				  "command: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return bs_err_set(err, BS_E_IO, "[notify] cannot start the "
				  "command: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[1]);
		child(o, r, fds[0]);
	}
	setpgid(pid, pid);    /* as the child does: no race on the kill */
	close(fds[0]);
	fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
	feed(fds[1], report, len, deadline);
	if (wait_until(pid, deadline, &status) < 0) {
		kill(-pid, SIGTERM);
		if (wait_until(pid, clock_now_ms() + NOTIFY_GRACE_MS, &status) < 0) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		return bs_err_set(err, BS_E_REMOTE, "[notify] the command did "
				  "not finish within %llu ms and was killed",
				  o->timeout_ms);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return bs_err_set(err, BS_E_REMOTE, "[notify] the command "
				  "exited with status 127 (not found?)");
	if (WIFEXITED(status))
		return bs_err_set(err, BS_E_REMOTE, "[notify] the command "
				  "exited with status %d", WEXITSTATUS(status));
	return bs_err_set(err, BS_E_REMOTE, "[notify] the command was ended "
			  "by signal %d", WIFSIGNALED(status) ?
			  WTERMSIG(status) : 0);
}
