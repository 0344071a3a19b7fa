/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The worker: turns queries received on endpoints into requests, drives them
 * through the engine and sends the answers. Internal to kresd.
 */
#pragma once

#include <uv.h>
#include "core/engine/engine.h"
#include "core/net/net.h"

struct kr_task;

/** Called with the finished request of kr__worker_resolve(); the task is freed after it returns. */
typedef void (*kr_task_done_cb)(struct kr_request *req, void *baton);

/** Start reading queries on a bound UDP socket. @return 0 or a libuv error. */
int kr__worker_udp_start(uv_udp_t *handle);
/** Start accepting connections on a listening TCP socket. @return 0 or a libuv error. */
int kr__worker_tcp_start(uv_tcp_t *handle, struct kr_net *net);
/** Start accepting DNS-over-TLS connections on a listening TCP socket (net->tls set). @return 0 or a libuv error. */
int kr__worker_tls_start(uv_tcp_t *handle, struct kr_net *net);
/**
 * Resolve a query made inside kresd (resolve() in Lua, plugins).
 * @param options  kr_qflag bits to add to the request
 * @return 0 (cb will run exactly once, possibly before this returns) or an error (cb never runs).
 */
int kr__worker_resolve(const uint8_t *qname, uint16_t qtype, uint16_t qclass, uint64_t options,
		       kr_task_done_cb cb, void *baton);
/** Release the pool of reusable arenas (at exit). */
void kr__worker_deinit(void);

/* core/net/transport.c: outgoing queries of a task. */
/** Send task's outgoing query (req.current_query->ns_addr[]) and, later, consume the reply. */
void kr__transport_send(struct kr_task *task);
/** Cancel the task's outgoing query, if any (its handles are closed). */
void kr__transport_cancel(struct kr_task *task);
/** The engine step after an upstream answer, a timeout or an error. */
void kr__worker_step(struct kr_task *task);
