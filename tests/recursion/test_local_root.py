# SPDX-License-Identifier: GPL-3.0-or-later
"""
Servers on loopback. The operator's root hints are asked even on 127.0.0.0/8
(a root server local to the resolver, RFC 8806), while a referral's glue that
points at loopback is not followed unless option('ALLOW_LOCAL', true).
The same small root shows what a minimised query that meets no zone cut
(NODATA) leads to: the full name, not one label at a time.
"""
import dns.rcode
import dns.rdatatype
import pytest

import fakenet

LOCAL_ROOT = '127.0.0.77'
LOOP_CHILD = '127.0.0.78'


@pytest.fixture(scope='module')
def local_servers():
    """A root zone on LOCAL_ROOT delegating `there.` to a server on LOOP_CHILD."""
    root = fakenet.Zone('.', fakenet._zone_text('.', 'a.root-servers.net.', [
        '. NS a.root-servers.net.', 'a.root-servers.net. A ' + LOCAL_ROOT,
        'www.here A 198.18.77.1', 'a.b.c.here A 198.18.77.3',
        'there NS ns.there.', 'ns.there A ' + LOOP_CHILD,
    ]))
    child = fakenet.Zone('there.', fakenet._zone_text('there.', 'ns.there.', [
        '@ NS ns.there.', 'ns A ' + LOOP_CHILD, 'www A 198.18.77.2',
    ]))
    servers = [fakenet.ZoneServer('local-root', [LOCAL_ROOT], root),
               fakenet.ZoneServer('loop-child', [LOOP_CHILD], child)]
    for s in servers:
        s.start()
    yield servers
    for s in servers:
        s.stop()


def local_kresd(kresd, allow_local):
    return kresd("option('NO_CACHE', true)\n"
                 "hints.root({['a.root-servers.net.'] = '%s'})\n"
                 "option('ALLOW_LOCAL', %s)\n" % (LOCAL_ROOT, 'true' if allow_local else 'false'))


def addresses(r):
    return sorted(rd.address for rrset in r.answer if rrset.rdtype == dns.rdatatype.A for rd in rrset)


def test_root_hints_on_loopback_asked(kresd, local_servers):
    """hints.root() on 127.0.0.77 without ALLOW_LOCAL: the root is asked and answers."""
    k = local_kresd(kresd, False)
    before = local_servers[0].queries()
    q, r = k.query('www.here.', 'A')
    assert r.rcode() == dns.rcode.NOERROR, r.to_text()
    assert addresses(r) == ['198.18.77.1']
    assert local_servers[0].queries() > before


def test_loopback_glue_not_followed(kresd, local_servers):
    """A referral to a server on 127.0.0.78: SERVFAIL, that server never asked (ALLOW_LOCAL off)."""
    k = local_kresd(kresd, False)
    before = local_servers[1].queries()
    q, r = k.query('www.there.', 'A')
    assert r.rcode() == dns.rcode.SERVFAIL, r.to_text()
    assert local_servers[1].queries() == before


def test_loopback_glue_followed_when_allowed(kresd, local_servers):
    """The same referral with option('ALLOW_LOCAL', true): answered by the loopback server."""
    k = local_kresd(kresd, True)
    q, r = k.query('www.there.', 'A')
    assert r.rcode() == dns.rcode.NOERROR, r.to_text()
    assert addresses(r) == ['198.18.77.2']


def test_minimised_nodata_asks_full_name(kresd, local_servers):
    """here. is an empty non-terminal of the root zone: after its NODATA, the full name."""
    k = local_kresd(kresd, False)
    root = local_servers[0]
    start = len(root.log)
    q, r = k.query('a.b.c.here.', 'A')
    assert r.rcode() == dns.rcode.NOERROR, r.to_text()
    assert addresses(r) == ['198.18.77.3']
    asked = [(e[2].lower(), dns.rdatatype.to_text(e[3])) for e in root.log[start:]]
    assert asked == [('here.', 'NS'), ('a.b.c.here.', 'A')], asked
