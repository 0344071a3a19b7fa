/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * UDP answers to the queries of one received batch (libuv reads up to 20
 * datagrams with one recvmmsg) leave together with one sendmmsg: two system
 * calls for the batch instead of one per datagram each way.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "core/daemon/daemon.h"
#include "core/net/worker-impl.h"

#define BATCH_MAX 32                /* answers gathered at most */
#define BATCH_BYTES (64 * 1024)     /* their bytes at most */

static struct {
	uv_udp_t *handle;           /* the socket whose batch is being answered, or NULL */
	unsigned count;
	size_t used;
	struct mmsghdr msgs[BATCH_MAX];
	struct iovec iov[BATCH_MAX];
	union kr_sockaddr to[BATCH_MAX];
	uint8_t bytes[BATCH_BYTES];
} batch;

static socklen_t addr_len(const union kr_sockaddr *sa)
{
	return sa->ip.sa_family == AF_INET6 ? sizeof(sa->ip6) : sizeof(sa->ip4);
}

/** Send what is gathered; a datagram the kernel refuses is counted dropped, the rest go on. */
static void batch_send(void)
{
	uv_os_fd_t fd;
	unsigned done = 0;
	if (batch.count && uv_fileno((const uv_handle_t *)batch.handle, &fd) == 0) {
		while (done < batch.count) {
			int n = sendmmsg(fd, batch.msgs + done, batch.count - done, 0);
			if (n > 0) {
				done += (unsigned)n;
				the_daemon.stats.answered += (uint64_t)n;
			} else if (n < 0 && errno == EINTR) {
				continue;
			} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				break;   /* the socket's buffer is full: the rest is lost, as with one send */
			} else {
				++done;  /* this datagram cannot go (e.g. unreachable): skip it */
				++the_daemon.stats.dropped;
			}
		}
	}
	the_daemon.stats.dropped += batch.count - done;
	batch.count = 0;
	batch.used = 0;
}

void kr__udp_batch_begin(uv_udp_t *handle)
{
	if (batch.handle != handle) {
		batch_send();
		batch.handle = handle;
	}
}

void kr__udp_batch_end(void)
{
	batch_send();
	batch.handle = NULL;
}

void kr__udp_answer(uv_udp_t *handle, const uint8_t *wire, size_t len, const union kr_sockaddr *to)
{
	if (handle != batch.handle || len > BATCH_BYTES) {
		uv_buf_t buf = uv_buf_init((char *)wire, (unsigned)len);
		if (uv_udp_try_send(handle, &buf, 1, &to->ip) < 0)
			++the_daemon.stats.dropped;
		else
			++the_daemon.stats.answered;
		return;
	}
	if (batch.count == BATCH_MAX || batch.used + len > BATCH_BYTES)
		batch_send();
	unsigned i = batch.count++;
	memcpy(batch.bytes + batch.used, wire, len);
	memcpy(&batch.to[i], to, addr_len(to));
	batch.iov[i] = (struct iovec){ .iov_base = batch.bytes + batch.used, .iov_len = len };
	batch.msgs[i] = (struct mmsghdr){ .msg_hdr = {
		.msg_name = &batch.to[i], .msg_namelen = addr_len(to),
		.msg_iov = &batch.iov[i], .msg_iovlen = 1 } };
	batch.used += len;
}
