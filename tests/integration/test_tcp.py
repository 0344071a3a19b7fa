# SPDX-License-Identifier: GPL-3.0-or-later
"""TCP: pipelining, messages split across segments, idle and half-sent connections."""
import socket
import time

import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from conftest import frame, make_query, tcp_read_msg, wait_closed

CONFIG = "hints.set('www.lab 192.0.2.1')\nhints.set('mail.lab 2001:db8::25')\n"

# (name, type) -> (rcode, set of rdata texts)
EXPECTED = {
    ('www.lab.', 'A'): (dns.rcode.NOERROR, {'192.0.2.1'}),
    ('mail.lab.', 'AAAA'): (dns.rcode.NOERROR, {'2001:db8::25'}),
    ('mail.lab.', 'A'): (dns.rcode.NOERROR, set()),
    ('localhost.', 'A'): (dns.rcode.NOERROR, {'127.0.0.1'}),
    ('unknown.lab.', 'A'): (dns.rcode.SERVFAIL, set()),
}


def check(q, r):
    name, rdtype = q.question[0].name.to_text(), dns.rdatatype.to_text(q.question[0].rdtype)
    rcode, rdata = EXPECTED[(name, rdtype)]
    assert r.id == q.id
    assert r.question == q.question
    assert r.rcode() == rcode, (name, rdtype, dns.rcode.to_text(r.rcode()))
    assert {rd.to_text() for rrset in r.answer for rd in rrset} == rdata


def queries(n, first_id=1000):
    keys = list(EXPECTED)
    return [make_query(*keys[i % len(keys)], qid=first_id + i) for i in range(n)]


@pytest.mark.parametrize('pipeline', [None, 3])
def test_pipelined_queries(kresd, pipeline):
    """All queries written at once, then every answer read: each has its own ID and data."""
    config = CONFIG + ('net.tcp_pipeline(%d)\n' % pipeline if pipeline else '')
    k = kresd(config)
    qs = queries(40)
    with k.tcp_connect() as s:
        s.sendall(b''.join(frame(q.to_wire()) for q in qs))
        answers = [dns.message.from_wire(tcp_read_msg(s)) for _ in qs]
        by_id = {r.id: r for r in answers}
        assert sorted(by_id) == sorted(q.id for q in qs)
        for q in qs:
            check(q, by_id[q.id])
        # The connection stays usable after the burst.
        q = make_query('www.lab.', 'A', qid=7)
        s.sendall(frame(q.to_wire()))
        check(q, dns.message.from_wire(tcp_read_msg(s)))


def test_message_split_byte_by_byte(kresd):
    """A message trickling in one byte per segment, then two messages cut mid-way, are answered."""
    k = kresd(CONFIG)
    q1, q2, q3 = queries(3, first_id=500)
    with k.tcp_connect() as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for b in frame(q1.to_wire()):
            s.send(bytes([b]))
            time.sleep(0.003)
        check(q1, dns.message.from_wire(tcp_read_msg(s)))
        # The end of q2 and the start of q3 in one segment; the length prefix of q3 split.
        data = frame(q2.to_wire()) + frame(q3.to_wire())
        cut1, cut2 = 7, len(frame(q2.to_wire())) + 1
        for part in (data[:cut1], data[cut1:cut2], data[cut2:]):
            s.send(part)
            time.sleep(0.05)
        got = {r.id: r for r in (dns.message.from_wire(tcp_read_msg(s)) for _ in range(2))}
        check(q2, got[q2.id])
        check(q3, got[q3.id])


def test_close_after_query_still_answered(kresd):
    """A client that half-closes its side right after the query still gets the answer."""
    k = kresd(CONFIG)
    q = make_query('www.lab.', 'A', qid=77)
    with k.tcp_connect() as s:
        s.sendall(frame(q.to_wire()))
        s.shutdown(socket.SHUT_WR)
        check(q, dns.message.from_wire(tcp_read_msg(s)))
        assert wait_closed(s, 3) is not None


def test_idle_and_half_message_connections(kresd):
    """
    A connection holding half a message, and one that never sends anything,
    are closed after the idle timeout (10 s by default; there is no Lua setter;
    the silent one may first wait in the kernel for TCP_DEFER_ACCEPT's 3 s),
    and while they are open kresd keeps serving other clients over UDP and TCP.
    """
    k = kresd(CONFIG)
    q = make_query('www.lab.', 'A', qid=4242)
    half = k.tcp_connect()
    silent = k.tcp_connect()
    t0 = time.monotonic()
    wire = frame(q.to_wire())
    half.sendall(wire[:len(wire) // 2])
    # Others are served meanwhile.
    for i in range(5):
        q2 = make_query('localhost.', 'A', qid=i)
        check(q2, k.udp(q2))
        check(q2, k.tcp(q2))
        time.sleep(0.2)
    took = wait_closed(half, 14 - (time.monotonic() - t0))
    assert took is not None, 'half-sent connection still open after 14 s'
    idle = time.monotonic() - t0
    assert 9.0 <= idle <= 12.5, 'closed after %.1f s, expected the 10 s idle timeout' % idle
    check(q, k.tcp(q))
    took = wait_closed(silent, 20 - (time.monotonic() - t0))
    assert took is not None, 'silent connection still open after 20 s'
    idle = time.monotonic() - t0
    assert 9.0 <= idle <= 20, 'silent connection closed after %.1f s' % idle
    silent.close()
    half.close()
    check(q, k.tcp(q))
