# SPDX-License-Identifier: GPL-3.0-or-later
"""
The refuse_nord and nsid plugins with real queries against a kresd that
iterates to a fake authoritative root (test_modules_fakeauth.py).
"""
import dns.edns
import dns.flags
import dns.rcode

from conftest import make_query
from test_modules_fakeauth import fake_auth  # noqa: F401 (fixture)

RECORDS = ['www.lab. 300 IN A 192.0.2.1']


def test_refuse_nord(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + "modules.load('refuse_nord')\n", interactive=True)
    r = k.udp(make_query('www.lab.', 'A', rd=False, use_edns=0))
    assert r.rcode() == dns.rcode.REFUSED
    assert not r.answer and not r.flags & dns.flags.RD
    assert r.edns == 0   # the client's EDNS is answered
    assert auth.asked('www.lab.', 'A') == 0   # nothing was resolved
    # RD=1 resolves; a following RD=0 query still gets REFUSED (no cache snooping).
    q, r = k.query('www.lab.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and r.answer
    r = k.tcp(make_query('www.lab.', 'A', rd=False))
    assert r.rcode() == dns.rcode.REFUSED and not r.answer
    # Unloaded: RD=0 is answered again (from cache).
    k.cli("modules.unload('refuse_nord')")
    r = k.udp(make_query('www.lab.', 'A', rd=False))
    assert r.rcode() == dns.rcode.NOERROR


def test_refuse_nord_not_default(kresd, fake_auth):
    """Not loaded by default: RD=0 queries are answered."""
    auth = fake_auth(RECORDS)
    k = kresd(auth.config(), interactive=True)
    assert 'refuse_nord' not in k.cli('table.concat(modules.list(), " ")')
    r = k.udp(make_query('www.lab.', 'A', rd=False))
    assert r.rcode() == dns.rcode.NOERROR


def nsid_of(r):
    return [o.data if hasattr(o, 'data') else o.nsid for o in r.options if o.otype == dns.edns.NSID]


def test_nsid(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + "modules.load('nsid')\n", interactive=True)
    ask = [dns.edns.GenericOption(dns.edns.NSID, b'')]
    # Loaded but no name set: nothing is sent.
    assert k.cli('nsid.name()') == 'false\n'
    r = k.udp(_q(ask))
    assert nsid_of(r) == []
    assert k.cli("nsid.name('kresd-1')") == 'kresd-1\n'
    r = k.udp(_q(ask))
    assert r.rcode() == dns.rcode.NOERROR and r.answer
    assert nsid_of(r) == [b'kresd-1']
    r = k.tcp(_q(ask))
    assert nsid_of(r) == [b'kresd-1']
    # Not asked: not sent. Without EDNS: no OPT at all.
    r = k.udp(make_query('www.lab.', 'A', use_edns=0))
    assert nsid_of(r) == [] and r.edns == 0
    r = k.udp(make_query('www.lab.', 'A'))
    assert r.edns < 0
    # Negative answers carry it too.
    r = k.udp(_q(ask, name='nothing.lab.'))
    assert r.rcode() == dns.rcode.NXDOMAIN and nsid_of(r) == [b'kresd-1']
    # Switched off, and bad arguments are Lua errors.
    assert k.cli('nsid.name(false)') == 'false\n'
    assert nsid_of(k.udp(_q(ask))) == []
    assert 'error' in k.cli('nsid.name(42)').lower()


def test_nsid_config(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + "modules = { nsid = 'from-config' }\n", interactive=True)
    r = k.udp(_q([dns.edns.GenericOption(dns.edns.NSID, b'')]))
    assert nsid_of(r) == [b'from-config']


def _q(options, name='www.lab.'):
    q = make_query(name, 'A', use_edns=0)
    q.use_edns(0, 0, 1232, options=options)
    return q


def answer_order(k, name):
    r = k.udp(make_query(name, 'A', use_edns=0))
    return tuple(rd.address for rrset in r.answer for rd in rrset)


def test_reorder_rr(kresd, fake_auth):
    """reorder_RR(true) varies the order of a cached RR set's records; off by default."""
    auth = fake_auth(['many.lab. 300 IN A 192.0.2.%d' % i for i in range(1, 6)])
    # The answer cache would repeat the first answer (upstream's order) as it was.
    k = kresd(auth.config() + 'worker.answer_cache(0)\n', interactive=True)
    assert k.cli('reorder_RR()') == 'false\n'
    answer_order(k, 'many.lab.')              # from upstream, into the cache
    first = answer_order(k, 'many.lab.')      # the cache's order
    assert sorted(first) == ['192.0.2.%d' % i for i in range(1, 6)]
    assert {answer_order(k, 'many.lab.') for _ in range(10)} == {first}
    assert k.cli('reorder_RR(true)') == 'true\n'
    orders = {answer_order(k, 'many.lab.') for _ in range(40)}
    assert len(orders) >= 3, orders
    assert all(sorted(o) == sorted(first) for o in orders)
    # rotations of the stored order, never a shuffle
    assert all(' '.join(o) in ' '.join(first + first) for o in orders)
