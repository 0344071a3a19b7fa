# SPDX-License-Identifier: GPL-3.0-or-later
"""
Faults of the fake Internet, each with a fresh kresd: a silent server, lame
servers, a TCP-only server, an IPv6-only server, out-of-bailiwick glue, spoofed
replies, a delegation loop and an NS explosion. Upstream queries are counted at
the servers (knotd's mod-stats, the Python servers' own logs).
"""
import time

import dns.rcode
import dns.rdatatype
import pytest

import fakenet
from conftest import check_answer, texts
from fakenet import N

COLD = "option('NO_CACHE', true)\n"
TIMEOUT = 1.5          # core/net/transport.c UPSTREAM_TIMEOUT_MS


def ask_ok(k, tree, name, rdtype='A', tcp=False):
    q, r = k.query(name, rdtype, tcp=tcp)
    errs = check_answer(tree, N(name), q.question[0].rdtype, r)
    assert not errs, '%s %s: %s' % (name, rdtype, '; '.join(errs))
    return r


def test_silent_server_costs_one_timeout(kresd, net, tree):
    """
    silent.bench. has two servers, one never answers. Twenty sequential queries
    for its names: the silent one gets at most 2 queries in all, and only one
    query pays a timeout. Repeated with a fresh kresd until kresd tried the
    silent server at least once (its first choice between two unknown servers).
    """
    tried = 0
    for attempt in range(5):
        k = kresd(COLD)
        before = net.counts()
        times = []
        for i in range(1, 21):
            t0 = time.monotonic()
            ask_ok(k, tree, 'n%d.silent.bench.' % i)
            times.append(time.monotonic() - t0)
        diff = net.diff(net.counts(), before)
        silent = diff.get('silent', 0)
        print('attempt %d: silent server got %d queries; times %s' % (
            attempt, silent, ['%.3f' % t for t in times]))
        assert silent <= 2, 'the silent server got %d queries for 20 names: %s' % (silent, diff)
        slow = [t for t in times if t > 0.5]
        assert len(slow) <= 1, 'more than one query waited for a timeout: %s' % times
        assert sum(times) < TIMEOUT + 2.0, times
        if silent:
            tried += 1
            break
    assert tried, 'kresd never tried the silent server in 5 fresh starts (cannot test back-off)'


def test_lame_servers_avoided(kresd, net, tree):
    """lame.lab.: one server REFUSES, one refers upwards without AA; kresd stops asking both."""
    k = kresd(COLD)
    before = net.counts()
    for i in range(15):
        ask_ok(k, tree, ('www', 'www2', 'www3')[i % 3] + '.lame.lab.')
    diff = net.diff(net.counts(), before)
    print('upstream queries: %s' % diff)
    assert diff.get('refused', 0) <= 2 and diff.get('upward', 0) <= 2, diff


def test_tcp_only_server(kresd, net, tree):
    """tcponly.bench.: UDP replies are always truncated; the data arrives over TCP."""
    k = kresd(COLD)
    tcp_before = net.py['tcponly'].queries('tcp')
    for name, rdtype in (('www.tcponly.bench.', 'A'), ('big.tcponly.bench.', 'TXT'),
                         ('many.tcponly.bench.', 'A'), ('nothing.tcponly.bench.', 'A')):
        ask_ok(k, tree, name, rdtype)
        ask_ok(k, tree, name, rdtype, tcp=True)
    assert net.py['tcponly'].queries('tcp') - tcp_before >= 4


def test_ipv6_only_server(kresd, net, tree):
    """v6only.bench.: its only server has only an AAAA glue."""
    k = kresd(COLD)
    ask_ok(k, tree, 'www.v6only.bench.')
    ask_ok(k, tree, 'www.v6only.bench.', 'AAAA', tcp=True)
    k6 = kresd(COLD + 'net.ipv6 = false\n')
    q, r = k6.query('www.v6only.bench.', 'A')
    assert r.rcode() == dns.rcode.SERVFAIL, 'net.ipv6 = false, yet: %s' % r
    ask_ok(k6, tree, 'www.feat.lab.')


@pytest.mark.parametrize('mode', ['normal', 'strict'])
def test_out_of_bailiwick_glue_ignored(kresd, net, tree, mode):
    """
    oob.wan. delegates child.oob.wan. to ns1.glue.lab. with glue pointing to a
    poison server (and an extra www.feat.lab. A): kresd must resolve
    ns1.glue.lab. itself; the poison server is never asked.
    """
    k = kresd(COLD + "mode('%s')\n" % mode)
    before = net.counts()
    ask_ok(k, tree, 'www.child.oob.wan.')
    ask_ok(k, tree, 'child.oob.wan.', 'NS')
    ask_ok(k, tree, 'www.feat.lab.')
    diff = net.diff(net.counts(), before)
    assert 'poison' not in diff, diff


def test_spoofed_replies_dropped(kresd, net, tree):
    """
    spoof.bench.'s server sends, for every query, six forged replies (wrong ID,
    wrong source port, wrong source address, wrong question, question in the
    wrong letter case, a query instead of a reply), all saying 192.0.2.66, and
    0.25 s later the right reply, padded with out-of-bailiwick records
    (www.feat.lab. A 192.0.2.66, feat.lab. NS ns.spoof.bench., glue for
    ns1.glue.lab.). The client gets exactly the right data; with the cache on,
    nothing forged reaches the cache either (asked again afterwards).
    """
    k = kresd()          # the cache is on: forged data must not land in it
    sp = net.py['spoof']
    forged0 = sp.forged_sent
    questions = [('thequickbrownfox.spoof.bench.', 'A'), ('thequickbrownfox.spoof.bench.', 'AAAA'),
                 ('alias.spoof.bench.', 'A'), ('www.spoof.bench.', 'A'),
                 ('nonexistent.spoof.bench.', 'A'), ('www.spoof.bench.', 'TXT')]
    for name, rdtype in questions:
        for tcp in (False, True):
            r = ask_ok(k, tree, name, rdtype, tcp=tcp)
            assert fakenet.POISON_A not in ' '.join(texts(r.answer + r.authority + r.additional))
    assert sp.forged_sent - forged0 >= 6, 'the spoofer sent no forgeries (kresd asked nothing?)'
    mixed = [e[2] for e in sp.log if e[2] != e[2].lower()]
    assert mixed, 'no random letter case (0x20) in the queries to the spoofer: %s' % sp.log
    # Nothing forged in the cache: these would come from it.
    spoof_queries = len(sp.log)
    for name, rdtype in questions + [('www.feat.lab.', 'A'), ('ns1.glue.lab.', 'A'),
                                     ('other.spoof.bench.', 'A'), ('mail.feat.lab.', 'A')]:
        ask_ok(k, tree, name, rdtype)
    asked = [e[2].lower() for e in sp.log[spoof_queries:]]
    assert not [n for n in asked if not n.endswith('spoof.bench.')], \
        'the spoof server was asked about other zones: %s' % asked


@pytest.mark.parametrize('name,limit_s', [('www.loop1.lab.', 4.0), ('www.loop2.wan.', 4.0),
                                          ('www.boom.wan.', 2 * TIMEOUT + 3.0)],
                         ids=['loop1', 'loop2', 'ns-explosion'])
@pytest.mark.parametrize('minimize', [True, False], ids=['minimize', 'no-minimize'])
def test_amplification_bounded(kresd, net, name, limit_s, minimize):
    """A delegation loop and an NS explosion: SERVFAIL, soon, after few upstream queries."""
    k = kresd(COLD + ('' if minimize else "option('NO_MINIMIZE', true)\n"))
    before = net.counts()
    t0 = time.monotonic()
    q, r = k.query(name, 'A', timeout=15)
    secs = time.monotonic() - t0
    diff = net.diff(net.counts(), before)
    total = sum(diff.values())
    print('%s: %s after %.2f s, %d upstream queries %s' % (
        name, dns.rcode.to_text(r.rcode()), secs, total, diff))
    assert r.rcode() == dns.rcode.SERVFAIL
    assert secs < limit_s, 'took %.2f s' % secs
    assert total <= 30, '%d upstream queries: %s' % (total, diff)


@pytest.mark.parametrize('minimize', [True, False], ids=['minimize', 'no-minimize'])
def test_qname_minimisation_seen_upstream(kresd, net, tree, minimize):
    """
    What the (Python) oob.wan. server is asked for www.child.oob.wan. A: one label
    more with type NS (RFC 9156 2.1, as Knot Resolver asks), or the full name.
    """
    k = kresd(COLD + ('' if minimize else "option('NO_MINIMIZE', true)\n"))
    oob = net.py['oob']
    start = len(oob.log)
    ask_ok(k, tree, 'www.child.oob.wan.')
    asked = sorted({(e[2].lower(), dns.rdatatype.to_text(e[3])) for e in oob.log[start:]})
    if minimize:
        assert asked == [('child.oob.wan.', 'NS')], 'minimised queries expected, got %s' % asked
    else:
        assert asked == [('www.child.oob.wan.', 'A')], 'full names expected, got %s' % asked
