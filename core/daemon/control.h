/* SPDX-License-Identifier: GPL-3.0-or-later */
/** Control sockets rundir/tty/PID: one Lua command per line, output written back. */
#pragma once

#include "core/daemon/daemon.h"

/** Create rundir/tty/PID (mode 0600) and serve it. @return 0 or a libuv error. */
int kr__control_start(void);
/** Close and remove this process's control socket. */
void kr__control_stop(void);
