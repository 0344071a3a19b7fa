/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The task: one request in flight, shared by worker.c and transport.c. */
#pragma once

#include "core/net/worker.h"

struct kr_tcp_session;
struct kr_up_conn;

/* core/net/conn_count.c: open client connections by client (IPv4 address, IPv6 /64). */
/** Count one more connection from sa. @return the count from that client now (0 when out of memory: not counted). */
unsigned kr__conn_count_add(const union kr_sockaddr *sa);
/** Count one connection less from sa (added before). */
void kr__conn_count_del(const union kr_sockaddr *sa);

/* core/net/udp_batch.c: the answers to one batch of received datagrams, sent together. */
/** Answers for handle from now on are gathered (another socket's are sent first). */
void kr__udp_batch_begin(uv_udp_t *handle);
/** Send the gathered answers; later ones go at once again. */
void kr__udp_batch_end(void);
/** Answer to `to` over handle: gathered in the current batch, or sent now. Counted in the stats. */
void kr__udp_answer(uv_udp_t *handle, const uint8_t *wire, size_t len, const union kr_sockaddr *to);

/** One request in flight. Allocated from its own arena; freed with it. */
struct kr_task {
	struct kr_arena *arena;          /**< everything of the task lives here */
	struct kr_request req;
	kr_pkt_t *query;                 /**< the client's query, parsed */
	kr_pkt_t *out;                   /**< outgoing query / locally produced answer */
	/* where the answer goes: exactly one of these */
	uv_udp_t *udp;                   /**< UDP endpoint the query came to */
	struct kr_tcp_session *tcp;      /**< TCP session the query came on */
	kr_task_done_cb done_cb;         /**< internal request */
	void *done_baton;
	union kr_sockaddr src;           /**< client address */
	union kr_sockaddr dst;           /**< our address */
	/* upstream attempt */
	uv_udp_t *up_udp;                /**< socket of the outgoing query; NULL when none in flight */
	uv_timer_t *up_timer;
	struct kr_up_conn *up_conn;      /**< TCP connection carrying the outgoing query, or NULL */
	struct kr_task *next_up;         /**< list of tasks waiting on up_conn */
	uint32_t ac_gen;                 /**< answer cache generation when the query came */
	uint8_t ns_index;                /**< which ns_addr[] is being tried */
	bool up_tcp;                     /**< this attempt goes over TCP (TC=1 seen, or the TCP flag) */
	bool up_written;                 /**< the query was written to up_conn */
	struct kr_task *next_in_session; /**< list of a TCP session's tasks */
};
