# SPDX-License-Identifier: GPL-3.0-or-later
"""The edns_keepalive plugin (RFC 7828) with real queries over TCP and UDP."""
import dns.edns
import dns.message
import dns.rcode

from conftest import frame, make_query, tcp_read_msg
from test_control import ask, control_path

KEEPALIVE = 11
CONFIG = "hints.set('ka.lab 192.0.2.11')\n"   # edns_keepalive is loaded by default


def keepalive_query(name='ka.lab.', option=True):
    q = make_query(name, 'A', use_edns=0)
    if option:
        q.use_edns(0, payload=1232, options=[dns.edns.GenericOption(KEEPALIVE, b'')])
    return q


def keepalive_of(r):
    opts = [o for o in r.options if o.otype == KEEPALIVE]
    assert len(opts) <= 1, opts
    return opts[0].to_wire() if opts else None


def test_tcp_answer_carries_the_idle_timeout(kresd):
    k = kresd(CONFIG)
    r = k.tcp(keepalive_query())
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '192.0.2.11'
    # kresd closes idle client connections after 10 s: 100 units of 100 ms.
    assert keepalive_of(r) == (100).to_bytes(2, 'big')
    # Also for an answer kresd could not give (SERVFAIL), still over TCP.
    r = k.tcp(keepalive_query('nowhere.lab.'))
    assert r.rcode() == dns.rcode.SERVFAIL and keepalive_of(r) == (100).to_bytes(2, 'big')


def test_pipelined_queries_on_one_connection(kresd):
    k = kresd(CONFIG)
    with k.tcp_connect() as s:
        qs = [keepalive_query() for _ in range(5)]
        for i, q in enumerate(qs):
            q.id = 100 + i
            s.sendall(frame(q.to_wire()))
        for _ in qs:
            r = dns.message.from_wire(tcp_read_msg(s))
            assert 100 <= r.id < 105 and keepalive_of(r) == (100).to_bytes(2, 'big')


def test_not_over_udp_nor_unasked_nor_unloaded(kresd):
    k = kresd(CONFIG)
    r = k.udp(keepalive_query())
    assert r.rcode() == dns.rcode.NOERROR and r.edns == 0 and keepalive_of(r) is None
    r = k.tcp(keepalive_query(option=False))
    assert r.edns == 0 and keepalive_of(r) is None
    r = k.tcp(make_query('ka.lab.', 'A'))   # no EDNS at all
    assert r.edns == -1 and not r.options
    k2 = kresd("modules.unload('edns_keepalive')\nhints.set('ka.lab 192.0.2.11')\n")
    assert keepalive_of(k2.tcp(keepalive_query())) is None
    # Unloaded at run time: no more option.
    assert ask(control_path(k), "modules.unload('edns_keepalive')\n").strip() == 'true'
    assert keepalive_of(k.tcp(keepalive_query())) is None
