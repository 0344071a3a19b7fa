/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The process-wide daemon state. */
#include "core/daemon/daemon.h"

struct kr_daemon the_daemon;

void kr__daemon_quit(void)
{
	the_daemon.quitting = true;
	if (the_daemon.loop)
		uv_stop(the_daemon.loop);
}

uint32_t kr_net_tcp_idle_ms(void)
{
	return the_daemon.net.tcp_idle_ms;
}
