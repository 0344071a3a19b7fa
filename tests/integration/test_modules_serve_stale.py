# SPDX-License-Identifier: GPL-3.0-or-later
"""
The serve_stale plugin (RFC 8767) against a fake authoritative root
(test_modules_fakeauth.py): names with TTL 1 s are resolved, kresd's wall
clock is moved on with libfaketime (the clock fixture of
test_modules_detect_time_jump.py), the authoritative server goes silent, and
the names are asked again. With serve_stale the expired data comes back with
TTL 30 and Extended DNS Error 3 (Stale Answer); without it, or once the data
expired longer than max_stale ago, SERVFAIL.
"""
import dns.edns
import dns.flags
import dns.rcode
import dns.rdatatype

from conftest import make_query
from test_control import ask, control_path
from test_modules_detect_time_jump import clock  # noqa: F401 (fixture)
from test_modules_fakeauth import fake_auth  # noqa: F401 (fixture)

RECORDS = ['stale.lab. 1 IN A 192.0.2.30', 'alias.lab. 1 IN CNAME stale.lab.']
# Only the clock jumps here: detect_time_jump would clear the cache.
NO_JUMPS = "if detect_time_jump then modules.unload('detect_time_jump') end\n"
# Silent upstreams: iterate gives up well within the request's 10 s.
TIMEOUT = 15.0


def ede_codes(r):
    return [o.code for o in r.options if o.otype == dns.edns.EDE]


def ask_edns(k, name, rdtype='A'):
    return k.udp(make_query(name, rdtype, use_edns=0), timeout=TIMEOUT)


def warm(k):
    for name in ('stale.lab.', 'alias.lab.'):
        r = ask_edns(k, name)
        assert r.rcode() == dns.rcode.NOERROR, r
        assert r.answer[-1][0].to_text() == '192.0.2.30'
        assert ede_codes(r) == []


def test_stale_answer_when_upstream_silent(kresd, fake_auth, clock):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + NO_JUMPS + "modules.load('serve_stale < cache')\n")
    order = ask(control_path(k), "table.concat(modules.list(), ' ')\n").split()
    assert order.index('serve_stale') < order.index('cache'), order
    warm(k)
    clock('+10s')
    auth.silent = True
    asked = len(auth.queries)
    r = ask_edns(k, 'stale.lab.')
    assert len(auth.queries) > asked, 'the expired name was asked upstream first'
    assert r.rcode() == dns.rcode.NOERROR, r
    assert [(rr.name.to_text(), rr.rdtype, rr.ttl, [d.to_text() for d in rr]) for rr in r.answer] == \
        [('stale.lab.', dns.rdatatype.A, 30, ['192.0.2.30'])], r
    assert ede_codes(r) == [3], r
    assert not r.flags & dns.flags.AD
    # A CNAME chain of expired links comes back whole, each link with TTL 30.
    r = ask_edns(k, 'alias.lab.')
    assert r.rcode() == dns.rcode.NOERROR, r
    assert [(rr.name.to_text(), rr.rdtype, rr.ttl) for rr in r.answer] == \
        [('alias.lab.', dns.rdatatype.CNAME, 30), ('stale.lab.', dns.rdatatype.A, 30)], r
    assert ede_codes(r) == [3], r
    # A client without EDNS gets the stale data too (no OPT, so no EDE).
    r = k.udp(make_query('stale.lab.', 'A'), timeout=TIMEOUT)
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0].ttl == 30, r
    # Never cached: nothing stale to give.
    r = ask_edns(k, 'never.lab.')
    assert r.rcode() == dns.rcode.SERVFAIL, r
    assert 3 not in ede_codes(r)
    settings = ask(control_path(k), "serve_stale.settings().served\n")
    assert int(settings) == 3, settings
    assert 'answering from cache expired' in k.stderr()
    # The authoritative server back: fresh data, no EDE.
    auth.silent = False
    r = ask_edns(k, 'stale.lab.')
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0].ttl <= 1 and ede_codes(r) == [], r


def test_servfail_without_module(kresd, fake_auth, clock):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + NO_JUMPS)
    warm(k)
    clock('+10s')
    auth.silent = True
    r = ask_edns(k, 'stale.lab.')
    assert r.rcode() == dns.rcode.SERVFAIL, r
    assert not r.answer and 3 not in ede_codes(r)


def test_servfail_after_max_stale(kresd, fake_auth, clock):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + NO_JUMPS +
              "modules.load('serve_stale < cache')\nserve_stale.config({max_stale = 60 * sec})\n")
    assert ask(control_path(k), "serve_stale.settings().max_stale\n").strip() == '60000'
    warm(k)
    auth.silent = True
    clock('+30s')   # expired 29 s ago: within max_stale
    r = ask_edns(k, 'stale.lab.')
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0].ttl == 30 and ede_codes(r) == [3], r
    clock('+120s')   # expired about two minutes ago: too old
    r = ask_edns(k, 'stale.lab.')
    assert r.rcode() == dns.rcode.SERVFAIL and not r.answer, r
    r = ask_edns(k, 'alias.lab.')
    assert r.rcode() == dns.rcode.SERVFAIL and not r.answer, r
