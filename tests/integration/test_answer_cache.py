# SPDX-License-Identifier: GPL-3.0-or-later
"""
The core's answer cache (core/net/README.md, "The answer cache"): whole
answers repeated to repeated questions before a request is made. Real queries
against a fake authoritative root (test_modules_fakeauth.py), whose query
counts tell what reached upstream; `worker.answer_cache()` tells what the
answer cache did. The wall clock is moved with libfaketime (the clock fixture
of test_modules_detect_time_jump.py).
"""
import os
import re
import socket
import struct
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdatatype

from conftest import frame, make_query, next_port, recv_exact, tcp_read_msg
from test_control import ask, control_path
from test_malformed import header
from test_modules_detect_time_jump import clock, wait_for  # noqa: F401 (clock: a fixture)
from test_modules_fakeauth import fake_auth  # noqa: F401 (fixture)
from test_tls import pki, tls_connect  # noqa: F401 (pki: a fixture)


def figures(k, path=None):
    """worker.answer_cache() of the process behind path (k's own by default)."""
    out = ask(path or control_path(k), 'worker.answer_cache()\n')
    fig = {}
    for line in out.splitlines():
        m = re.fullmatch(r'\[(\w+)\] => (.*)', line)
        assert m, out
        key, value = m.groups()
        fig[key] = value == 'true' if value in ('true', 'false') else int(value)
    assert set(fig) == {'size', 'used', 'entries', 'hits', 'misses', 'stored', 'evicted', 'flushes',
                        'active'}, out
    return fig


def lua(k, line):
    return ask(control_path(k), line + '\n').strip()


def udp_wire(k, q, timeout=2.0):
    wire = k.raw_udp(q.to_wire() if not isinstance(q, bytes) else q, timeout)
    assert wire is not None, 'no UDP answer'
    return wire


def records(r):
    """Every section's records, names lower-cased, TTLs left out: (section, name, type, rdata...)."""
    out = []
    for sec, rrsets in (('an', r.answer), ('ns', r.authority), ('ar', r.additional)):
        for rrset in rrsets:
            out.append((sec, rrset.name.to_text().lower(), rrset.rdtype,
                        tuple(rd.to_text().lower() for rd in rrset)))
    return out


def ttls(r):
    return [rrset.ttl for rrset in r.answer + r.authority + r.additional]


def qname_len(wire):
    i = 12
    while wire[i]:
        i += 1 + wire[i]
    return i + 1 - 12


def assert_same_answer(r1, r2, aged=(0, 1)):
    """r2 is r1 apart from the ID, the names' letter case and TTLs aged by aged[0]..aged[1] s."""
    assert r2.flags == r1.flags and r2.rcode() == r1.rcode(), (r1, r2)
    assert (r2.edns, r2.payload, r2.ednsflags, r2.options) == (r1.edns, r1.payload, r1.ednsflags, r1.options)
    assert [q.to_text().lower() for q in r2.question] == [q.to_text().lower() for q in r1.question]
    assert records(r2) == records(r1), (r1, r2)
    for t1, t2 in zip(ttls(r1), ttls(r2)):
        assert aged[0] <= t1 - t2 <= aged[1], (r1, r2)


def hit(k, q, proto='udp', timeout=2.0):
    """Ask q; it must be answered from the answer cache (one more hit). @return the answer."""
    before = figures(k)
    r = k.udp(q, timeout) if proto == 'udp' else k.tcp(q, timeout)
    after = figures(k)
    assert after['hits'] == before['hits'] + 1, (q.question, before, after)
    assert after['stored'] == before['stored']
    assert r.id == q.id
    return r


def warm(k, q, proto='udp'):
    """
    Ask q until the answer cache holds its answer: an answer from upstream is
    not kept, one from the cache (or local data) is. @return that answer.
    """
    ask_ = k.udp if proto == 'udp' else k.tcp
    stored = figures(k)['stored']
    for _ in range(2):
        r = ask_(q)
        if figures(k)['stored'] == stored + 1:
            return r
    raise AssertionError('not kept: %s' % q.question)


# --- repeated answers -----------------------------------------------------------------

def test_repeated_query_answered_from_memory(kresd, fake_auth):
    auth = fake_auth(['www.lab. 300 IN A 192.0.2.1', 'www.lab. 300 IN A 192.0.2.2',
                      'al.lab. 300 IN CNAME www.lab.'])
    k = kresd(auth.config())
    f0 = figures(k)
    assert f0['active'] and f0['size'] == 8 * 1024 * 1024, f0
    # From upstream: not kept (its TTLs are upstream's, see the next test).
    q0 = make_query('www.lab.', 'A', use_edns=0)
    r0 = k.udp(q0)
    assert r0.rcode() == dns.rcode.NOERROR and len(r0.answer[0]) == 2
    assert auth.asked('www.lab.', 'A') == 1
    assert figures(k)['stored'] == f0['stored']
    # From the cache: kept.
    q1 = make_query('www.lab.', 'A', use_edns=0)
    w1 = udp_wire(k, q1)
    r1 = dns.message.from_wire(w1)
    assert sorted(rd.to_text() for rd in r1.answer[0]) == sorted(rd.to_text() for rd in r0.answer[0])
    f1 = figures(k)
    assert f1['stored'] == f0['stored'] + 1 and f1['entries'] == f0['entries'] + 1
    assert f1['used'] > f0['used'] and f1['hits'] == f0['hits']
    # The same question in another letter case: not asked upstream, the ID and the
    # names' case are the new query's, the rest is the kept answer (TTLs aged).
    q2 = make_query('wWw.LaB.', 'A', use_edns=0)
    w2 = udp_wire(k, q2)
    r2 = dns.message.from_wire(w2)
    assert auth.asked('www.lab.', 'A') == 1
    f2 = figures(k)
    assert f2['hits'] == f1['hits'] + 1 and f2['stored'] == f1['stored'], f2
    assert r2.id == q2.id != q1.id
    assert r2.question[0].name.to_text() == 'wWw.LaB.'
    assert [rrset.name.to_text() for rrset in r2.answer] == ['wWw.LaB.']
    assert_same_answer(r1, r2)
    n = qname_len(w1)
    assert len(w2) == len(w1) and w2[2:12] == w1[2:12]
    assert w2[12:12 + n] == q2.to_wire()[12:12 + n]
    # The same as what the slow path makes for this query.
    assert lua(k, 'worker.answer_cache(0).size') == '0'
    r3 = k.udp(make_query('wWw.LaB.', 'A', use_edns=0))
    assert [rrset.name.to_text() for rrset in r3.answer] == ['wWw.LaB.']
    assert_same_answer(r3, r2, aged=(-1, 0))
    assert lua(k, 'worker.answer_cache(8 * MB).active') == 'true'
    # A CNAME chain: the chain's names as the slow path writes them.
    warm(k, make_query('al.lab.', 'A', use_edns=0))
    for name in ['AL.lab.', 'al.LAB.', 'al.lab.']:
        q = make_query(name, 'A', use_edns=0)
        r = hit(k, q)
        assert r.question[0].name.to_text() == name
        assert [(rrset.name.to_text(), rrset.rdtype) for rrset in r.answer] == \
            [(name, dns.rdatatype.CNAME), ('www.' + name.split('.', 1)[1], dns.rdatatype.A)], r
        assert sorted(rd.to_text() for rd in r.answer[1]) == ['192.0.2.1', '192.0.2.2']
    assert auth.asked('al.lab.', 'A') == 1


def test_ttl_aging_and_expiry(kresd, fake_auth, clock):
    auth = fake_auth(['age.lab. 30 IN A 192.0.2.3'], neg_ttl=10)
    k = kresd(auth.config())
    q = make_query('age.lab.', 'A', use_edns=0)
    r = warm(k, q)
    assert 29 <= r.answer[0].ttl <= 30 and auth.asked('age.lab.', 'A') == 1
    clock('+5s')
    r = hit(k, q)
    assert 24 <= r.answer[0].ttl <= 25, r
    clock('+28s')
    r = hit(k, q)
    assert 0 < r.answer[0].ttl <= 2, r
    # The TTL passed: asked upstream again, a fresh TTL.
    clock('+31s')
    hits = figures(k)['hits']
    r = k.udp(q)
    assert auth.asked('age.lab.', 'A') == 2 and r.answer[0].ttl == 30, r
    assert figures(k)['hits'] == hits
    # A negative answer lives as long as the cache keeps it: RFC 2308's negative
    # TTL, the smaller of the SOA's TTL (300 here) and its MINIMUM (10).
    now = 31
    for name, rdtype, rcode in (('gone.lab.', 'A', dns.rcode.NXDOMAIN), ('age.lab.', 'AAAA', dns.rcode.NOERROR)):
        qn = make_query(name, rdtype, use_edns=0)
        r = warm(k, qn)
        assert r.rcode() == rcode and not r.answer and auth.asked(name, rdtype) == 1
        r = hit(k, qn)
        assert r.rcode() == rcode and 9 <= r.authority[0].ttl <= 10, r
        now += 11
        clock('+%ds' % now)
        r = k.udp(qn)
        assert r.rcode() == rcode and auth.asked(name, rdtype) == 2, r


def test_entry_lives_no_longer_than_the_cache_keeps_it(kresd, fake_auth, clock):
    """cache.max_ttl(10): an answer whose TTL upstream gave as 300 is asked again after 10 s."""
    auth = fake_auth(['max.lab. 300 IN A 192.0.2.5', 'cn.lab. 20 IN CNAME max.lab.'])
    k = kresd(auth.config() + 'cache.max_ttl(10)\n')
    q = make_query('max.lab.', 'A', use_edns=0)
    assert k.udp(q).answer[0].ttl == 300        # upstream's answer, as it came
    r = warm(k, q)
    assert r.answer[0].ttl <= 10
    r = hit(k, q)
    assert r.answer[0].ttl <= 10
    qc = make_query('cn.lab.', 'A', use_edns=0)
    warm(k, qc)
    assert [rrset.ttl for rrset in hit(k, qc).answer] in ([10, 10], [9, 9], [10, 9], [9, 10])
    clock('+11s')
    r = k.udp(q)
    assert auth.asked('max.lab.', 'A') == 2, r
    r = k.udp(qc)
    assert auth.asked('cn.lab.', 'A') == 2, r


def test_local_data_keeps_its_ttls(kresd, fake_auth, clock):
    """Hints have a fixed TTL (hints.ttl()): repeated, it is not aged, as the normal path gives it."""
    auth = fake_auth(['al.lab. 300 IN CNAME h.lab.'])
    k = kresd(auth.config() + "hints['h.lab'] = '192.0.2.50'\nhints.ttl(300)\n")
    q = make_query('h.lab.', 'A', use_edns=0)
    assert warm(k, q).answer[0].ttl == 300
    clock('+10s')
    r = hit(k, q)
    assert r.answer[0].ttl == 300 and r.answer[0][0].to_text() == '192.0.2.50', r
    lua(k, 'worker.answer_cache(0)')
    assert k.udp(q).answer[0].ttl == 300
    lua(k, 'worker.answer_cache(8 * MB)')
    # A chain of the cache's CNAME (aged) and a hint (fixed): not kept.
    qc = make_query('al.lab.', 'A', use_edns=0)
    stored = figures(k)['stored']
    for _ in range(3):
        r = k.udp(qc)
    assert figures(k)['stored'] == stored, figures(k)
    clock('+20s')
    r = k.udp(qc)
    assert [(rrset.rdtype, rrset.ttl) for rrset in r.answer] == \
        [(dns.rdatatype.CNAME, 290), (dns.rdatatype.A, 300)], r


def variants():
    """Queries of one question that must never get each other's answers."""
    qs = {
        'plain': make_query('key.lab.', 'A'),
        'edns': make_query('key.lab.', 'A', use_edns=0),
        'do': make_query('key.lab.', 'A', want_dnssec=True),
        'cd': make_query('key.lab.', 'A', use_edns=0),
        'cd-plain': make_query('key.lab.', 'A'),
        'nord': make_query('key.lab.', 'A', rd=False),
        'nord-edns': make_query('key.lab.', 'A', use_edns=0, rd=False),
        'ad': make_query('key.lab.', 'A', use_edns=0),
    }
    qs['cd'].flags |= dns.flags.CD
    qs['cd-plain'].flags |= dns.flags.CD
    qs['ad'].flags |= dns.flags.AD
    return qs


def check_variant(name, q, r):
    assert r.id == q.id and r.rcode() == dns.rcode.NOERROR, (name, r)
    assert [rd.to_text() for rrset in r.answer for rd in rrset] == ['192.0.2.4'], (name, r)
    assert (r.edns >= 0) == (q.edns >= 0), (name, r)
    assert bool(r.ednsflags & dns.flags.DO) == bool(q.ednsflags & dns.flags.DO), (name, r)
    assert bool(r.flags & dns.flags.CD) == bool(q.flags & dns.flags.CD), (name, r)
    assert bool(r.flags & dns.flags.RD) == bool(q.flags & dns.flags.RD), (name, r)


def test_keyed_by_query_flags(kresd, fake_auth):
    auth = fake_auth(['key.lab. 300 IN A 192.0.2.4'])
    k = kresd(auth.config())
    qs = variants()
    k.tcp(make_query('key.lab.', 'A'))   # from upstream, into the cache
    f0 = figures(k)
    # Each variant once, from the cache: each kept apart.
    for name, q in qs.items():
        check_variant(name, q, k.udp(q))
    f1 = figures(k)
    assert f1['entries'] - f0['entries'] == len(qs) and f1['hits'] == f0['hits'], (f0, f1)
    # Again, in the opposite order: each from its own entry.
    for name, q in reversed(list(qs.items())):
        q.id = (q.id + 1) & 0xffff
        check_variant(name, q, k.udp(q))
    f2 = figures(k)
    assert f2['hits'] - f1['hits'] == len(qs) and f2['entries'] == f1['entries'], (f1, f2)
    assert auth.asked('key.lab.', 'A') == 1


# --- sizes, rcodes ----------------------------------------------------------------------

def test_udp_size_and_rcodes(kresd, fake_auth):
    auth = fake_auth(['big.lab. 300 IN A 192.0.2.%d' % i for i in range(1, 41)])
    k = kresd(auth.config())

    def addrs(r):
        return sorted(rd.to_text() for rrset in r.answer for rd in rrset)

    full = sorted('192.0.2.%d' % i for i in range(1, 41))
    big = make_query('big.lab.', 'A', use_edns=0, payload=1232)
    r = warm(k, big)
    assert addrs(r) == full and not r.flags & dns.flags.TC
    assert len(r.to_wire()) > 512
    # Without EDNS, over TCP: the whole answer, kept, then repeated.
    plain = make_query('big.lab.', 'A')
    stored = figures(k)['stored']
    r = k.tcp(plain)
    assert addrs(r) == full and r.edns < 0
    assert figures(k)['stored'] == stored + 1
    r = hit(k, plain, proto='tcp')
    assert addrs(r) == full and r.edns < 0
    # Over UDP without EDNS (512 bytes): the kept answer does not fit, so TC=1 the normal way.
    f1 = figures(k)
    r = k.udp(plain)
    assert r.flags & dns.flags.TC and not r.answer and r.edns < 0, r
    # EDNS with 512 bytes: the same.
    r = k.udp(make_query('big.lab.', 'A', use_edns=0, payload=512))
    assert r.flags & dns.flags.TC and not r.answer and r.edns == 0, r
    f2 = figures(k)
    assert f2['hits'] == f1['hits'] and f2['stored'] == f1['stored'], (f1, f2)
    # The EDNS client with room gets it from memory.
    assert addrs(hit(k, big)) == full
    assert auth.asked('big.lab.', 'A') == 1
    # NXDOMAIN is kept.
    nx = make_query('nx.lab.', 'A', use_edns=0)
    assert warm(k, nx).rcode() == dns.rcode.NXDOMAIN
    assert hit(k, nx).rcode() == dns.rcode.NXDOMAIN
    assert auth.asked('nx.lab.', 'A') == 1
    # SERVFAIL is not: upstream answers SERVFAIL, then says nothing at all.
    f3 = figures(k)
    plain_answer = auth.answer

    def answer(q):
        if q.question[0].name == dns.name.from_text('sf.lab.'):
            r = dns.message.make_response(q)
            r.set_rcode(dns.rcode.SERVFAIL)
            return r
        return plain_answer(q)

    auth.answer = answer
    sf = make_query('sf.lab.', 'A', use_edns=0)
    for _ in range(3):
        before = auth.asked('sf.lab.', 'A')
        assert k.udp(sf, timeout=12).rcode() == dns.rcode.SERVFAIL
        assert auth.asked('sf.lab.', 'A') > before
    auth.silent = True
    silent = make_query('silent.lab.', 'A', use_edns=0)
    for _ in range(2):
        before = len(auth.queries)
        assert k.udp(silent, timeout=12).rcode() == dns.rcode.SERVFAIL
        assert len(auth.queries) > before   # tried upstream again
    f4 = figures(k)
    assert f4['hits'] == f3['hits'] and f4['stored'] == f3['stored'], (f3, f4)


# --- what forgets, what turns it off -----------------------------------------------------

def test_changes_flush(kresd, fake_auth):
    auth = fake_auth(['x.lab. 300 IN A 192.0.2.6', 'y.lab. 300 IN A 192.0.2.7', 'c.lab. 300 IN A 192.0.2.8'])
    k = kresd(auth.config())
    qx, qy, qc = (make_query(n, 'A', use_edns=0) for n in ('x.lab.', 'y.lab.', 'c.lab.'))
    for q in (qx, qy, qc):
        warm(k, q)
        hit(k, q)
    # A policy rule: the next answer is the rule's.
    flushes = figures(k)['flushes']
    lua(k, "policy.add(policy.suffix(policy.DENY, {todname('x.lab.')}))")
    assert figures(k)['flushes'] > flushes
    for _ in range(2):
        r = k.udp(qx)
        assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AA, r
    # Hints: the new address.
    assert lua(k, "hints.set('y.lab 192.0.2.99')") == 'true'
    for _ in range(2):
        r = k.udp(qy)
        assert [rd.to_text() for rrset in r.answer for rd in rrset] == ['192.0.2.99'], r
    assert lua(k, "hints.del('y.lab')") == 'true'
    warm(k, qy)
    assert [rd.to_text() for rrset in hit(k, qy).answer for rd in rrset] == ['192.0.2.7']
    # Clearing the cache: asked upstream again.
    lua(k, 'cache.clear()')
    r = k.udp(qc)
    assert auth.asked('c.lab.', 'A') == 2 and r.answer[0][0].to_text() == '192.0.2.8'
    # Options that make each answer differ turn it off while set.
    for on, off in (("option('NO_CACHE', true)", "option('NO_CACHE', false)"),
                    ('reorder_RR(true)', 'reorder_RR(false)')):
        lua(k, on)
        assert figures(k)['active'] is False, on
        hits = figures(k)['hits']
        for _ in range(2):
            k.udp(qc)
        assert figures(k)['hits'] == hits
        lua(k, off)
        assert figures(k)['active'] is True, off
    warm(k, qc)
    hit(k, qc)


LAYER_MODULE = """-- counts the requests its layer sees
local m = { seen = 0 }
m.layer = {
   begin = function (state, req)
      m.seen = m.seen + 1
      return state
   end,
}
return m
"""


def test_what_turns_it_off(kresd, fake_auth, moduledir):
    (moduledir / 'acwatch.lua').write_text(LAYER_MODULE)
    auth = fake_auth(['on.lab. 300 IN A 192.0.2.9'])
    k = kresd(auth.config())
    q = make_query('on.lab.', 'A', use_edns=0)
    warm(k, q)
    hit(k, q)
    # A Lua module with a layer (it cannot say that it allows repeated answers): off
    # while loaded, and the layer sees every query.
    assert lua(k, "modules.load('acwatch')") == 'true'
    assert figures(k)['active'] is False
    hits = figures(k)['hits']
    for _ in range(3):
        assert k.udp(q).answer[0][0].to_text() == '192.0.2.9'
    assert lua(k, 'acwatch.seen') == '3'
    assert figures(k)['hits'] == hits
    assert lua(k, "modules.unload('acwatch')") == 'true'
    assert figures(k)['active'] is True
    warm(k, q)
    hit(k, q)
    # view: on without subnet views, off with one.
    lua(k, "modules.load('view')")
    assert figures(k)['active'] is True
    warm(k, q)
    lua(k, "view:addr('192.0.2.0/24', policy.all(policy.DENY))")
    assert figures(k)['active'] is False
    hits = figures(k)['hits']
    k.udp(q)
    k.udp(q)
    assert figures(k)['hits'] == hits
    assert lua(k, "modules.unload('view')") == 'true'
    assert figures(k)['active'] is True
    # verbose(true): off while on.
    warm(k, q)
    lua(k, 'verbose(true)')
    assert figures(k)['active'] is False
    for _ in range(2):
        assert k.udp(q).answer[0][0].to_text() == '192.0.2.9'
    assert figures(k)['hits'] == hits
    lua(k, 'verbose(false)')
    assert figures(k)['active'] is True
    hit(k, q)   # nothing changed while verbose: still kept
    # worker.answer_cache(0): off, nothing kept; a size again: on.
    f = figures(k)
    assert lua(k, 'worker.answer_cache(0).active') == 'false'
    f0 = figures(k)
    assert f0['size'] == 0 and f0['entries'] == 0 and f0['used'] == 0
    for _ in range(3):
        k.udp(q)
    f1 = figures(k)
    assert (f1['hits'], f1['stored'], f1['entries']) == (f['hits'], f['stored'], 0), f1
    for bad in ('-1', '1.5', '2 * 1024 * MB', "'x'"):
        assert lua(k, 'worker.answer_cache(%s)' % bad).startswith('error'), bad
    assert figures(k)['size'] == 0
    assert lua(k, 'worker.answer_cache(1000000).size') == '1000000'
    warm(k, q)
    hit(k, q)
    assert auth.asked('on.lab.', 'A') == 1


# --- what counts ------------------------------------------------------------------------

def stats(k):
    out = lua(k, "(function() local t = {} for key, v in pairs(stats.list()) do "
                 "t[#t + 1] = key .. ' ' .. v end return table.concat(t, '\\n') end)()")
    return {line.split()[0]: int(line.split()[1]) for line in out.splitlines()}


def test_stats_count_repeated_answers(kresd, fake_auth):
    """N answers from the answer cache count as N answers made the slow way from the cache do."""
    auth = fake_auth(['st.lab. 300 IN A 192.0.2.10'])
    k = kresd(auth.config() + "modules.load('stats')\n")
    queries = [make_query('st.lab.', 'A'), make_query('st.lab.', 'A', want_dnssec=True),
               make_query('nost.lab.', 'A', use_edns=0)]
    for q in queries:
        warm(k, q)

    def run(n=3):
        before = stats(k)
        for _ in range(n):
            for q in queries:
                k.udp(q)
        after = stats(k)
        return {key: after[key] - before.get(key, 0) for key in after}

    hits = figures(k)['hits']
    repeated = run()
    assert figures(k)['hits'] == hits + 9
    assert repeated['request.total'] == 9 and repeated['request.udp'] == 9, repeated
    assert repeated['answer.total'] == 9 and repeated['answer.noerror'] == 6, repeated
    assert repeated['answer.nxdomain'] == 3 and repeated['answer.cached'] == 9, repeated
    assert repeated['query.edns'] == 6 and repeated['query.dnssec'] == 3, repeated
    # The same queries made the slow way (from the cache): the same counts, but for latency.
    lua(k, 'worker.answer_cache(0)')
    slow = run()
    latency = {key for key in slow if re.fullmatch(r'answer\.(\d+ms|slow|sum_ms)', key)}
    assert {key: v for key, v in repeated.items() if key not in latency} == \
        {key: v for key, v in slow.items() if key not in latency}
    assert sum(repeated[key] for key in latency if key != 'answer.sum_ms') == 9
    assert auth.asked('st.lab.', 'A') == 1


def predict_stats(k):
    out = lua(k, 'predict.stats()')
    return {m.group(1): int(m.group(2)) for m in re.finditer(r'\[(\w+)\] => (\d+)', out)}


def test_predict_skips_local_data(kresd, fake_auth):
    """predict tracks no hints name (local data, nothing to refresh), repeated or not."""
    auth = fake_auth(['x.lab. 300 IN A 192.0.2.1'])
    k = kresd(auth.config() + "hints['h.lab'] = '192.0.2.50'\nmodules.load('predict')\n")
    q = make_query('h.lab.', 'A')
    warm(k, q)
    for _ in range(3):
        hit(k, q)
    assert predict_stats(k)['tracked'] == 0, predict_stats(k)
    lua(k, 'worker.answer_cache(0)')
    for _ in range(3):
        k.udp(q)
    assert predict_stats(k)['tracked'] == 0, predict_stats(k)


def test_predict_refresh_not_repeated_by_old_answers(kresd, fake_auth, clock):
    """
    After predict's refresh came back, an answer kept before it (another flags
    variant of the question) is forgotten near expiry without a second refresh,
    and the next query gets the refreshed data, as the normal path would.
    """
    auth = fake_auth(['pf.lab. 100 IN A 192.0.2.20'])
    k = kresd(auth.config() + "modules.load('predict')\n")
    q1 = make_query('pf.lab.', 'A')
    q2 = make_query('pf.lab.', 'A', use_edns=0)
    k.udp(q1)
    warm(k, q1)
    warm(k, q2)
    # Near expiry: the refresh is queued by a repeated answer and comes back.
    clock('+92s')
    assert hit(k, q1).answer[0].ttl <= 10
    assert wait_for(lambda: auth.asked('pf.lab.', 'A') == 2)
    assert wait_for(lambda: k.udp(q1).answer[0].ttl > 90)
    # The other variant was kept before the refresh: it goes out once more, then is forgotten.
    assert hit(k, q2).answer[0].ttl <= 10
    r = k.udp(q2)
    assert r.answer[0].ttl > 90, r
    time.sleep(1)
    assert auth.asked('pf.lab.', 'A') == 2
    assert predict_stats(k)['prefetched'] == 1, predict_stats(k)


def rule_hits(k, rule):
    return int(lua(k, "(function() for _, r in ipairs(policy.rules()) do "
                      "if r.id == %s.id then return r.count end end end)()" % rule))


def test_policy_rule_hits_stay_exact(kresd, fake_auth, fake_upstream):
    auth = fake_auth(['pass.lab. 300 IN A 192.0.2.11', 'other.lab. 300 IN A 192.0.2.12'])
    up = fake_upstream()
    k = kresd(auth.config() +
              "fwd = policy.add(policy.suffix(policy.FORWARD('127.0.0.1@%d'), {todname('fwd.lab.')}))\n"
              "pass = policy.add(policy.suffix(policy.PASS, {todname('pass.lab.')}))\n"
              "deny = policy.add(policy.suffix(policy.DENY, {todname('deny.lab.')}))\n" % up.port)
    n = 6
    hits = figures(k)['hits']
    for name in ('fwd.lab.', 'pass.lab.', 'deny.lab.', 'other.lab.'):
        for _ in range(n):
            k.udp(make_query(name, 'A', use_edns=0))
    # Four answers each of fwd and pass from memory, the first two made the slow way.
    assert figures(k)['hits'] == hits + 3 * (n - 2)
    assert len(up.queries) == 1 and auth.asked('pass.lab.', 'A') == 1
    assert rule_hits(k, 'fwd') == n
    assert rule_hits(k, 'pass') == n
    # A rule's local answer is never repeated from memory; each one counted.
    assert rule_hits(k, 'deny') == n
    r = k.udp(make_query('deny.lab.', 'A', use_edns=0))
    assert r.rcode() == dns.rcode.NXDOMAIN and rule_hits(k, 'deny') == n + 1
    # Over TCP as well.
    for name in ('fwd.lab.', 'pass.lab.', 'deny.lab.'):
        k.tcp(make_query(name, 'A', use_edns=0))
    assert (rule_hits(k, 'fwd'), rule_hits(k, 'pass'), rule_hits(k, 'deny')) == (n + 1, n + 1, n + 2)
    assert figures(k)['hits'] == hits + 3 * (n - 2) + 2


# --- unusual queries ----------------------------------------------------------------------

def test_unusual_queries_go_the_normal_way(kresd, fake_auth):
    auth = fake_auth(['m.lab. 300 IN A 192.0.2.13'])
    k = kresd(auth.config())
    plain = make_query('m.lab.', 'A')
    edns = make_query('m.lab.', 'A', use_edns=0)
    warm(k, plain)
    warm(k, edns)
    hit(k, plain)
    hit(k, edns)
    f = figures(k)
    qwire = plain.to_wire()
    question = qwire[12:]

    def rcode_of(wire):
        rid, flags = struct.unpack('!HH', wire[:4])
        return rid, bool(flags & 0x8000), (flags >> 11) & 0xf, flags & 0xf

    # Trailing bytes after a kept question: FORMERR, as without the answer cache.
    w = udp_wire(k, header(0x1111) + question + b'\xde\xad')
    assert rcode_of(w) == (0x1111, True, 0, dns.rcode.FORMERR)
    w = udp_wire(k, edns.to_wire() + b'\x00')
    assert rcode_of(w)[1:] == (True, 0, dns.rcode.FORMERR)
    # Two questions.
    w = udp_wire(k, header(0x2222, qd=2) + question + question)
    assert rcode_of(w) == (0x2222, True, 0, dns.rcode.FORMERR)
    # Other opcodes: NOTIMP.
    for opcode in (dns.opcode.IQUERY, dns.opcode.STATUS, dns.opcode.NOTIFY, dns.opcode.UPDATE):
        w = udp_wire(k, header(0x3333, flags=0x0100 | (opcode << 11)) + question)
        assert rcode_of(w) == (0x3333, True, opcode, dns.rcode.NOTIMP), opcode
    # EDNS version 1: BADVERS.
    q = make_query('m.lab.', 'A', use_edns=0)
    q.use_edns(1, 0, 1232)
    r = k.udp(q)
    assert r.rcode() == dns.rcode.BADVERS and not r.answer, r
    # EDNS options: an NSID request goes the normal way (the nsid plugin's); a client
    # cookie or padding (kresd ignores both) gets the kept answer of the EDNS query.
    for opt, kept in ((dns.edns.GenericOption(dns.edns.NSID, b''), False),
                      (dns.edns.GenericOption(dns.edns.COOKIE, b'\x01' * 8), True),
                      (dns.edns.GenericOption(dns.edns.PADDING, b'\x00' * 20), True)):
        hits = figures(k)['hits']
        q = make_query('m.lab.', 'A')
        q.use_edns(0, payload=1232, options=[opt])
        r = k.udp(q)
        assert r.id == q.id and r.rcode() == dns.rcode.NOERROR and r.edns == 0, r
        assert [rd.to_text() for rrset in r.answer for rd in rrset] == ['192.0.2.13']
        assert not r.options, r
        assert figures(k)['hits'] == hits + kept, opt
    # Flags a query does not carry (AA, TC, Z): the normal way.
    for bits in (0x0400, 0x0200, 0x0040):
        w = udp_wire(k, header(0x4444, flags=0x0100 | bits) + question)
        r = dns.message.from_wire(w)
        assert r.id == 0x4444 and r.rcode() == dns.rcode.NOERROR, r
        assert r.flags == dns.flags.QR | dns.flags.RD | dns.flags.RA, r
        assert [rd.to_text() for rrset in r.answer for rd in rrset] == ['192.0.2.13']
    # A response (QR=1) to a kept question: no answer at all. The next datagram from
    # the same socket gets the first reply.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.sendto(header(0x5555, flags=0x8100) + question, (k.addr, k.port))
        s.sendto(qwire, (k.addr, k.port))
        assert s.recv(65535)[:2] == qwire[:2]
    assert figures(k)['hits'] == f['hits'] + 2 + 1   # the cookie, the padding, that last one
    assert figures(k)['stored'] == f['stored']
    assert auth.asked('m.lab.', 'A') == 1


# --- TCP, TLS --------------------------------------------------------------------------

def test_tcp_pipelined_from_memory(kresd, fake_auth):
    auth = fake_auth(['p.lab. 300 IN A 192.0.2.14', 'slow.lab. 300 IN A 192.0.2.15'])
    k = kresd(auth.config())
    warm(k, make_query('p.lab.', 'A'), proto='tcp')
    hits = figures(k)['hits']
    names = ['p.lab.', 'P.lab.', 'p.LAB.', 'slow.lab.', 'P.LAB.', 'p.lab.']
    queries = {}
    with k.tcp_connect() as s:
        # Two rounds on one connection, each written at once.
        for rnd in range(2):
            batch = b''
            for i, name in enumerate(names):
                q = make_query(name, 'A', qid=1000 * (rnd + 1) + i)
                queries[q.id] = q
                batch += frame(q.to_wire())
            s.sendall(batch)
            for _ in names:
                r = dns.message.from_wire(tcp_read_msg(s))
                q = queries.pop(r.id)
                assert r.question[0].name.to_text() == q.question[0].name.to_text()
                assert r.rcode() == dns.rcode.NOERROR
                want = '192.0.2.15' if q.question[0].name == dns.name.from_text('slow.lab.') else '192.0.2.14'
                assert [rd.to_text() for rrset in r.answer for rd in rrset] == [want], r
                assert r.answer[0].name.to_text() == q.question[0].name.to_text()
    assert not queries
    # Five from memory each round, and slow.lab (from upstream, then from the cache) kept.
    assert figures(k)['hits'] == hits + 10
    assert auth.asked('p.lab.', 'A') == 1 and auth.asked('slow.lab.', 'A') == 1


def test_tls_answers_from_memory_padded(kresd, pki):
    port = next_port()
    k = kresd("net.tls('%s', '%s')\nnet.listen('127.0.0.1', %d, {tls = true})\n"
              "hints['tls.lab'] = '192.0.2.16'\n" % (pki['cert'], pki['key'], port))

    def tls_ask(q):
        with tls_connect(port) as s:
            s.sendall(frame(q.to_wire()))
            (n,) = struct.unpack('!H', recv_exact(s, 2))
            return recv_exact(s, n)

    q = make_query('tls.lab.', 'A', use_edns=0)
    warm(k, q, proto='tcp')
    hits = figures(k)['hits']
    for name in ('tls.lab.', 'TLS.lab.'):
        q = make_query(name, 'A', use_edns=0)
        w = tls_ask(q)
        r = dns.message.from_wire(w)
        assert len(w) == 468 and r.id == q.id, len(w)
        assert any(o.otype == dns.edns.PADDING for o in r.options)
        assert r.answer[0].name.to_text() == name and r.answer[0][0].to_text() == '192.0.2.16'
    # Without EDNS, no OPT, so no padding.
    q = make_query('tls.lab.', 'A')
    warm(k, q, proto='tcp')
    r = dns.message.from_wire(tls_ask(q))
    assert r.edns < 0 and r.answer[0][0].to_text() == '192.0.2.16'
    assert figures(k)['hits'] == hits + 3
    # Plain TCP and UDP: never padded.
    q = make_query('tls.lab.', 'A', use_edns=0)
    assert not hit(k, q, proto='tcp').options and not hit(k, q).options


# --- memory ------------------------------------------------------------------------------

def test_eviction_keeps_the_limit(kresd, fake_auth):
    names = ['e%d.lab.' % i for i in range(60)]
    churn = ['c%d.lab.' % i for i in range(30)]
    auth = fake_auth(['%s 300 IN A 192.0.2.%d' % (n, i + 1) for i, n in enumerate(names)] +
                     ['%s 300 IN A 198.51.100.%d' % (n, i + 1) for i, n in enumerate(churn)])
    k = kresd(auth.config() + 'worker.answer_cache(4096)\n')
    for i, n in enumerate(names):
        warm(k, make_query(n, 'A', use_edns=0))
        f = figures(k)
        assert f['used'] <= f['size'] == 4096, f
    assert f['stored'] == 60 and f['evicted'] > 0 and f['entries'] == 60 - f['evicted'], f
    assert f['entries'] > 10
    # The newest are still there; the evicted are made again, from the cache.
    hot = make_query(names[-1], 'A', use_edns=0)
    assert hit(k, hot).answer[0][0].to_text() == '192.0.2.60'
    hits = figures(k)['hits']
    r = k.udp(make_query(names[0], 'A', use_edns=0))
    assert r.answer[0][0].to_text() == '192.0.2.1' and figures(k)['hits'] == hits
    assert all(auth.asked(n, 'A') == 1 for n in names)
    # An entry asked again gets a second chance: a hot name survives the churn.
    for n in churn:
        hit(k, hot)
        warm(k, make_query(n, 'A', use_edns=0))
    hit(k, hot)
    f = figures(k)
    assert f['used'] <= f['size'] and f['evicted'] >= 30 + 1, f


# --- forks ---------------------------------------------------------------------------------

def test_cache_clear_in_another_fork(kresd, fake_auth):
    """cache.clear() in one fork: the other fork's answer cache forgets too (cache.gen)."""
    auth = fake_auth(['fork.lab. 300 IN A 192.0.2.17'])
    k = kresd(auth.config(), forks=2)
    tty = k.workdir / 'tty'
    assert wait_for(lambda: len(os.listdir(tty)) == 2)
    by_id = {ask(tty / p, 'worker.id\n').strip(): tty / p for p in os.listdir(tty)}
    assert sorted(by_id) == ['0', '1']
    # Each fork also listens on a port of its own: queries reach the fork meant.
    ports = {}
    for wid, path in by_id.items():
        ports[wid] = next_port()
        out = ask(path, "net.listen('127.0.0.1', %d)\n" % ports[wid])
        assert 'error' not in out, out

    def query(wid):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(3)
            q = make_query('fork.lab.', 'A', use_edns=0)
            s.sendto(q.to_wire(), ('127.0.0.1', ports[wid]))
            r = dns.message.from_wire(s.recv(65535))
        assert r.id == q.id and r.answer[0][0].to_text() == '192.0.2.17'

    def hits(wid):
        return figures(k, by_id[wid])['hits']

    # Fork 0 resolves and keeps; fork 1 answers from the shared cache and keeps.
    for wid in ('0', '1'):
        query(wid)
        query(wid)
        h = hits(wid)
        query(wid)
        assert hits(wid) == h + 1, wid
    assert auth.asked('fork.lab.', 'A') == 1
    # Cleared through fork 1: fork 0 asks upstream again, once.
    ask(by_id['1'], 'cache.clear()\n')
    h = hits('0')
    query('0')
    assert hits('0') == h and auth.asked('fork.lab.', 'A') == 2
    query('1')
    assert auth.asked('fork.lab.', 'A') == 2
