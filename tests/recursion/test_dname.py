# SPDX-License-Identifier: GPL-3.0-or-later
"""
CNAME/DNAME loops and DNAME substitution from the cache, on a small Internet of
its own on 127.0.0.8x (ALLOW_LOCAL):

- a loop across zones (a.loop. -> b.alias. -> a.loop.), within one reply
  (self.loop. -> self.loop.) and through a DNAME onto its own owner
  (x.me.loop. under me.loop. DNAME me.loop.) is SERVFAIL at once, with the
  looping chain in the answer (RFC 1034 3.6.2), after a bounded number of
  upstream queries;
- a second name under a DNAME met before is answered from the cache by
  substitution (RFC 6672 3.4) without any upstream query.
"""
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

import fakenet

ROOT, LOOP, ALIAS, DN = '127.0.0.81', '127.0.0.82', '127.0.0.83', '127.0.0.84'


class Canned(fakenet.PyServer):
    """Authoritative for zone: rrsets(name, type) gives the answer section, [] is NODATA."""

    def __init__(self, name, addrs, zone, rrsets):
        super().__init__(name, addrs)
        self.zone = dns.name.from_text(zone)
        self.rrsets = rrsets

    def handle(self, proto, sock, q, peer):
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        name, rdtype = q.question[0].name, q.question[0].rdtype
        if rdtype == dns.rdatatype.NS and name == self.zone:
            r.answer.append(dns.rrset.from_text(name, 300, 'IN', 'NS', 'ns.' + self.zone.to_text()))
        else:
            r.answer += [dns.rrset.from_text(*rr) for rr in self.rrsets(name.to_text().lower(), rdtype)]
        if not r.answer:
            r.authority.append(dns.rrset.from_text(self.zone, 300, 'IN', 'SOA',
                                                   'ns.%s h. 1 3600 600 86400 300' % self.zone))
        self.send(proto, sock, r.to_wire(), peer)


def loop_zone(name, rdtype):
    if name == 'a.loop.':
        return [('a.loop.', 300, 'IN', 'CNAME', 'b.alias.')]
    if name == 'self.loop.':
        return [('self.loop.', 300, 'IN', 'CNAME', 'self.loop.')]
    if name.endswith('.me.loop.'):
        return [('me.loop.', 300, 'IN', 'DNAME', 'me.loop.'), (name, 300, 'IN', 'CNAME', name)]
    return []


def alias_zone(name, rdtype):
    return [('b.alias.', 300, 'IN', 'CNAME', 'a.loop.')] if name == 'b.alias.' else []


def dn_zone(name, rdtype):
    if name.endswith('.old.dn.'):
        target = name[:-len('old.dn.')] + 'new.dn.'
        return [('old.dn.', 300, 'IN', 'DNAME', 'new.dn.'), (name, 300, 'IN', 'CNAME', target)] + \
            dn_zone(target, rdtype)
    if name.endswith('.new.dn.') and rdtype == dns.rdatatype.A:
        return [(name, 300, 'IN', 'A', '198.18.84.%d' % len(name))]
    return []


@pytest.fixture(scope='module')
def servers():
    root = fakenet.Zone('.', fakenet._zone_text('.', 'a.root-servers.net.', [
        '. NS a.root-servers.net.', 'a.root-servers.net. A ' + ROOT,
        'loop NS ns.loop.', 'ns.loop A ' + LOOP, 'alias NS ns.alias.', 'ns.alias A ' + ALIAS,
        'dn NS ns.dn.', 'ns.dn A ' + DN]))
    yield from fakenet.serving([
        fakenet.ZoneServer('dn-root', [ROOT], root), Canned('dn-loop', [LOOP], 'loop.', loop_zone),
        Canned('dn-alias', [ALIAS], 'alias.', alias_zone), Canned('dn-dn', [DN], 'dn.', dn_zone)])


def start(kresd, minimize):
    return kresd("hints.root({['a.root-servers.net.'] = '%s'})\n"
                 "option('ALLOW_LOCAL', true)\noption('NO_MINIMIZE', %s)\nnet.ipv6 = false\n"
                 % (ROOT, 'false' if minimize else 'true'))


def chain(r):
    return sorted((rr.name.to_text().lower(), dns.rdatatype.to_text(rr.rdtype), rd.to_text().lower())
                  for rr in r.answer for rd in rr)


def upstream(servers):
    return sum(s.queries() for s in servers)


@pytest.mark.parametrize('minimize', [True, False], ids=['minimize', 'no-minimize'])
def test_cname_loops(kresd, servers, minimize):
    k = start(kresd, minimize)
    cases = [
        ('a.loop.', [('a.loop.', 'CNAME', 'b.alias.'), ('b.alias.', 'CNAME', 'a.loop.')]),
        ('self.loop.', [('self.loop.', 'CNAME', 'self.loop.')]),
        ('x.me.loop.', [('me.loop.', 'DNAME', 'me.loop.'), ('x.me.loop.', 'CNAME', 'x.me.loop.')]),
    ]
    for name, looping in cases:
        before = upstream(servers)
        t0 = time.monotonic()
        q, r = k.query(name, 'A')
        took = time.monotonic() - t0
        assert r.rcode() == dns.rcode.SERVFAIL, r.to_text()
        assert chain(r) == sorted(looping), r.to_text()
        # No server is taken for lame and retried, the chain is not chased to its limit.
        assert upstream(servers) - before <= 8, (name, upstream(servers) - before)
        assert took < 2.0, (name, took)
    # Not remembered as lame: the same answer again, as quickly.
    q, r = k.query('self.loop.', 'A')
    assert r.rcode() == dns.rcode.SERVFAIL and chain(r) == [('self.loop.', 'CNAME', 'self.loop.')]


@pytest.mark.parametrize('minimize', [True, False], ids=['minimize', 'no-minimize'])
def test_dname_from_cache(kresd, servers, minimize):
    k = start(kresd, minimize)
    q, r = k.query('second.new.dn.', 'A')       # the target of the second name, cached
    assert r.rcode() == dns.rcode.NOERROR, r.to_text()
    q, r = k.query('first.old.dn.', 'A')        # the DNAME, cached
    assert r.rcode() == dns.rcode.NOERROR, r.to_text()
    assert ('old.dn.', 'DNAME', 'new.dn.') in chain(r)
    before = [s.queries() for s in servers]
    q, r = k.query('Second.old.dn.', 'A')
    assert [s.queries() for s in servers] == before, 'the DNAME zone was asked again'
    assert r.rcode() == dns.rcode.NOERROR, r.to_text()
    assert chain(r) == sorted([('old.dn.', 'DNAME', 'new.dn.'),
                               ('second.old.dn.', 'CNAME', 'second.new.dn.'),
                               ('second.new.dn.', 'A', '198.18.84.%d' % len('second.new.dn.'))]), r.to_text()
    assert r.answer[1].name.to_text() == 'Second.old.dn.'   # the asker's spelling
    # Below the DNAME without a cached target: only the target's zone is asked for it.
    q, r = k.query('third.old.dn.', 'A')
    assert r.rcode() == dns.rcode.NOERROR, r.to_text()
    assert len(r.answer) == 3
