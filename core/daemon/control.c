/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Control sockets: rundir/tty/PID, a UNIX socket (mode 0600) per process
 * taking one command per line and writing its output back; the output is
 * also printed on the daemon's stdout for accountability.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config/config.h"
#include "core/daemon/control.h"

#define CONTROL_LINE_MAX (64 * 1024)

/** One connected client of the control socket. */
struct control_conn {
	uv_pipe_t pipe;
	char *buf;
	size_t len;
};

static uv_pipe_t control_server;
static char control_path[4200];
static bool control_open;

static void conn_closed_cb(uv_handle_t *h)
{
	struct control_conn *c = h->data;
	free(c->buf);
	free(c);
}

static void conn_write_cb(uv_write_t *req, int status)
{
	free(req);
}

/** Send text to the client (copied). */
static void conn_send(struct control_conn *c, const char *text)
{
	size_t len = strlen(text);
	if (len == 0 || uv_is_closing((uv_handle_t *)&c->pipe))
		return;
	uv_write_t *w = malloc(sizeof(*w) + len);
	if (!w)
		return;
	memcpy(w + 1, text, len);
	uv_buf_t buf = uv_buf_init((char *)(w + 1), len);
	if (uv_write(w, (uv_stream_t *)&c->pipe, &buf, 1, conn_write_cb) != 0)
		free(w);
}

static void conn_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct control_conn *c = h->data;
	buf->base = c->buf + c->len;
	buf->len = CONTROL_LINE_MAX - 1 - c->len;
}

static void conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct control_conn *c = s->data;
	if (nread < 0) {
		uv_close((uv_handle_t *)s, conn_closed_cb);
		return;
	}
	c->len += (size_t)nread;
	char *nl;
	while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
		*nl = '\0';
		if (nl > c->buf && nl[-1] == '\r')
			nl[-1] = '\0';
		if (strncmp(c->buf, "__json ", 7) == 0) {
			/* map() from another process: a machine answer, not echoed. */
			char *out = kr_config_eval_json(c->buf + 7);
			if (out) {
				conn_send(c, out);
				free(out);
			}
		} else if (c->buf[0]) {
			char *out = kr_config_eval(c->buf);
			if (out) {
				fputs(out, stdout);
				fflush(stdout);
				conn_send(c, out);
				free(out);
			}
		}
		size_t used = (size_t)(nl - c->buf) + 1;
		memmove(c->buf, nl + 1, c->len - used);
		c->len -= used;
		if (the_daemon.quitting)
			return;
	}
	if (c->len == CONTROL_LINE_MAX - 1) {
		conn_send(c, "error: command too long\n");
		uv_close((uv_handle_t *)s, conn_closed_cb);
	}
}

static void control_accept_cb(uv_stream_t *server, int status)
{
	if (status != 0)
		return;
	struct control_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->buf = malloc(CONTROL_LINE_MAX);
	uv_pipe_init(server->loop, &c->pipe, 0);
	c->pipe.data = c;
	if (!c->buf || uv_accept(server, (uv_stream_t *)&c->pipe) != 0) {
		uv_close((uv_handle_t *)&c->pipe, conn_closed_cb);
		return;
	}
	uv_read_start((uv_stream_t *)&c->pipe, conn_alloc_cb, conn_read_cb);
}

int kr__control_start(void)
{
	if (mkdir("tty", 0700) != 0 && errno != EEXIST)
		return -errno;
	snprintf(control_path, sizeof(control_path), "%s/tty/%ld", the_daemon.rundir, (long)getpid());
	/* Bound and listening under a temporary name, then renamed: a client that
	 * sees tty/PID can always connect. */
	char tmp_path[sizeof(control_path) + 8];
	snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", control_path);
	unlink(tmp_path);
	uv_pipe_init(the_daemon.loop, &control_server, 0);
	mode_t old = umask(0177);   /* the socket is created 0600 */
	int ret = uv_pipe_bind(&control_server, tmp_path);
	umask(old);
	if (ret == 0)
		ret = uv_listen((uv_stream_t *)&control_server, 16, control_accept_cb);
	if (ret == 0 && rename(tmp_path, control_path) != 0)
		ret = uv_translate_sys_error(errno);
	if (ret != 0) {
		unlink(tmp_path);
		kr_log_error(control, "cannot open control socket %s: %s", control_path, uv_strerror(ret));
		uv_close((uv_handle_t *)&control_server, NULL);
		return ret;
	}
	control_open = true;
	return 0;
}

void kr__control_stop(void)
{
	if (!control_open)
		return;
	control_open = false;
	unlink(control_path);
	if (!uv_is_closing((uv_handle_t *)&control_server))
		uv_close((uv_handle_t *)&control_server, NULL);
}
