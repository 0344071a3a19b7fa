# SPDX-License-Identifier: GPL-3.0-or-later
"""
Outgoing queries and out-of-order answers, with the test plugin `delay`
(plugins/delay.c): queries for names under `slow.` go to a fake UDP server
on 127.0.0.1 that answers after a delay, or never.
"""
import signal
import socket
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

from conftest import frame, make_query, tcp_read_msg

UPSTREAM_TIMEOUT = 1.5   # core/net/transport.c, per server


def delay_config(port):
    # Before iterate, which would otherwise answer (or fail) the query first.
    return "modules.load('delay < iterate')\ndelay.config(%d)\n" % port


def addresses(r):
    return [rd.to_text() for rrset in r.answer for rd in rrset]


def test_tcp_out_of_order(kresd, fake_upstream):
    """[slow, fast] pipelined on one connection: the fast answer comes first, then the slow one."""
    up = fake_upstream(delay=0.7)
    k = kresd(delay_config(up.port))
    slow = make_query('a.slow.', 'A', qid=1)
    fast = make_query('localhost.', 'A', qid=2)
    with k.tcp_connect(timeout=5) as s:
        t0 = time.monotonic()
        s.sendall(frame(slow.to_wire()) + frame(fast.to_wire()))
        first = dns.message.from_wire(tcp_read_msg(s))
        t_first = time.monotonic() - t0
        second = dns.message.from_wire(tcp_read_msg(s))
        t_second = time.monotonic() - t0
    assert first.id == fast.id and first.question == fast.question
    assert first.rcode() == dns.rcode.NOERROR and addresses(first) == ['127.0.0.1']
    assert t_first < 0.5, 'the fast answer waited %.2f s for the slow one' % t_first
    assert second.id == slow.id and second.question == slow.question
    assert second.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(second.rcode())
    assert addresses(second) == [up.address]
    assert second.answer[0].name.to_text() == 'a.slow.'
    assert 0.65 <= t_second < 0.7 + UPSTREAM_TIMEOUT, t_second
    # Exactly one upstream query, for the client's question, with a new ID.
    assert len(up.queries) == 1
    uq = up.queries[0][1]
    assert uq.question[0].name == slow.question[0].name
    assert uq.question[0].rdtype == dns.rdatatype.A
    assert not uq.flags & dns.flags.QR


def test_udp_out_of_order(kresd, fake_upstream):
    up = fake_upstream(delay=0.5)
    k = kresd(delay_config(up.port))
    slow = make_query('b.slow.', 'A', qid=11)
    fast = make_query('localhost.', 'AAAA', qid=12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(slow.to_wire(), (k.addr, k.port))
        s.sendto(fast.to_wire(), (k.addr, k.port))
        got = [dns.message.from_wire(s.recv(4096)) for _ in range(2)]
    assert [r.id for r in got] == [fast.id, slow.id]
    assert addresses(got[0]) == ['::1']
    assert addresses(got[1]) == [up.address]


def test_concurrent_slow_queries(kresd, fake_upstream):
    """20 slow queries pipelined are resolved concurrently, not one after another."""
    up = fake_upstream(delay=0.5)
    k = kresd(delay_config(up.port))
    qs = [make_query('q%d.slow.' % i, 'A', qid=100 + i) for i in range(20)]
    with k.tcp_connect(timeout=5) as s:
        t0 = time.monotonic()
        s.sendall(b''.join(frame(q.to_wire()) for q in qs))
        got = {}
        for _ in qs:
            r = dns.message.from_wire(tcp_read_msg(s))
            got[r.id] = r
        took = time.monotonic() - t0
    assert took < 3.0, 'took %.2f s: queries were serialised (one by one: 10 s)' % took
    for q in qs:
        assert got[q.id].question == q.question
        assert addresses(got[q.id]) == [up.address]
    assert len(up.queries) == 20


def test_upstream_silent_servfail(kresd, fake_upstream):
    """A server that never answers: SERVFAIL after the transport's timeout; others served meanwhile."""
    up = fake_upstream(silent=True)
    k = kresd(delay_config(up.port))
    q = make_query('dead.slow.', 'A', qid=99)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        t0 = time.monotonic()
        s.sendto(q.to_wire(), (k.addr, k.port))
        # kresd is not blocked while it waits.
        fast = make_query('localhost.', 'A')
        r = k.udp(fast)
        assert r.rcode() == dns.rcode.NOERROR and time.monotonic() - t0 < 0.5
        r = dns.message.from_wire(s.recv(4096))
        took = time.monotonic() - t0
    assert r.id == q.id and r.question == q.question
    assert r.rcode() == dns.rcode.SERVFAIL
    assert r.answer == []
    assert UPSTREAM_TIMEOUT - 0.1 <= took <= UPSTREAM_TIMEOUT + 1.0, took
    assert len(up.queries) == 1


def test_upstream_spoofed_replies_ignored(kresd, fake_upstream):
    """Replies with a wrong ID, for another question, or with QR=0 are ignored; the right one is taken."""
    up = fake_upstream(delay=0.1, mode='spoof_first')
    k = kresd(delay_config(up.port))
    q, r = k.query('c.slow.', 'A')
    assert r.rcode() == dns.rcode.NOERROR
    assert addresses(r) == [up.address]
    assert r.answer[0].name.to_text() == 'c.slow.'


def test_upstream_malformed_reply(kresd, fake_upstream):
    """A reply that does not parse: SERVFAIL at once (no other server), not after the timeout."""
    up = fake_upstream(mode='garbage')
    k = kresd(delay_config(up.port))
    t0 = time.monotonic()
    q, r = k.query('d.slow.', 'A')
    took = time.monotonic() - t0
    assert r.id == q.id and r.rcode() == dns.rcode.SERVFAIL and r.answer == []
    assert took < 1.2, 'took %.2f s: waited for the timeout' % took
    q, r = k.query('localhost.', 'A', proto='tcp')
    assert addresses(r) == ['127.0.0.1']


def test_sigterm_with_requests_in_flight(kresd, fake_upstream):
    """SIGTERM while requests wait for upstream and TCP clients are connected: clean exit 0."""
    up = fake_upstream(silent=True)
    k = kresd(delay_config(up.port))
    conns = []
    for i in range(3):
        c = k.tcp_connect()
        c.sendall(frame(make_query('t%d.slow.' % i, 'A').to_wire()))
        conns.append(c)
    k.raw_udp(make_query('u.slow.', 'A').to_wire(), timeout=0.01)
    deadline = time.monotonic() + 2
    while len(up.queries) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(up.queries) == 4
    t0 = time.monotonic()
    assert k.stop(signal.SIGTERM) == 0
    assert time.monotonic() - t0 < 2
    k.assert_clean()
    for c in conns:
        c.close()
