# SPDX-License-Identifier: GPL-3.0-or-later
"""
Parent-side glue. example.com. is served only by ns.example.net.; the net.
servers' glue for that name points at the working server, while the child zone
example.net. itself says the name is at a server that refuses everything. kresd
must reach example.com. through the parent's glue, on a cold cache and again
once the child's (broken) address of the name is cached.
A small Internet of its own on 127.0.0.9x (ALLOW_LOCAL).
"""
import dns.rcode
import dns.rdatatype
import pytest

import fakenet

ROOT, COM, NET, GOOD, BROKEN = '127.0.0.91', '127.0.0.92', '127.0.0.93', '127.0.0.94', '127.0.0.95'


class Zones(fakenet.PyServer):
    """Authoritative for several zones: the deepest one enclosing the question answers."""

    def __init__(self, name, addrs, zones):
        super().__init__(name, addrs)
        self.zones = zones

    def handle(self, proto, sock, q, peer):
        name = q.question[0].name if q.question else None
        zone = max((z for z in self.zones if name is not None and name.is_subdomain(z.origin)),
                   key=lambda z: len(z.origin), default=self.zones[0])
        self.send(proto, sock, fakenet.zone_answer(zone, q).to_wire(), peer)


def zone(origin, mname, records):
    return fakenet.Zone(origin, fakenet._zone_text(origin, mname, records))


@pytest.fixture(scope='module')
def servers():
    root = zone('.', 'a.root-servers.net.', [
        '. NS a.root-servers.net.', 'a.root-servers.net. A ' + ROOT,
        'com NS ns.com.', 'ns.com A ' + COM, 'net NS ns.net.', 'ns.net A ' + NET])
    com = zone('com.', 'ns.com.', ['@ NS ns.com.', 'ns A ' + COM, 'example NS ns.example.net.'])
    net = zone('net.', 'ns.net.', ['@ NS ns.net.', 'ns A ' + NET,
                                   'example NS ns.example.net.', 'ns.example A ' + GOOD])
    child_net = zone('example.net.', 'ns.example.net.', ['@ NS ns.example.net.', 'ns A ' + BROKEN])
    child_com = zone('example.com.', 'ns.example.net.', ['@ NS ns.example.net.',
                                                         'www A 198.18.95.1', 'mail A 198.18.95.2'])
    s = [fakenet.ZoneServer('pg-root', [ROOT], root), fakenet.ZoneServer('pg-com', [COM], com),
         fakenet.ZoneServer('pg-net', [NET], net), Zones('pg-good', [GOOD], [child_com, child_net]),
         fakenet.Refused('pg-broken', [BROKEN])]
    for x in s:
        x.start()
    yield s
    for x in s:
        x.stop()


def addresses(r):
    return sorted(rd.address for rrset in r.answer if rrset.rdtype == dns.rdatatype.A for rd in rrset)


@pytest.mark.parametrize('minimize', [True, False], ids=['minimize', 'no-minimize'])
def test_parent_side_glue(kresd, servers, minimize):
    k = kresd("hints.root({['a.root-servers.net.'] = '%s'})\n"
              "option('ALLOW_LOCAL', true)\noption('NO_MINIMIZE', %s)\nnet.ipv6 = false\n"
              % (ROOT, 'false' if minimize else 'true'))
    q, r = k.query('www.example.com.', 'A')
    assert r.rcode() == dns.rcode.NOERROR, r.to_text()
    assert addresses(r) == ['198.18.95.1']
    # The cache now says ns.example.net. is at the broken server: the parent's glue still works.
    q, r = k.query('mail.example.com.', 'A')
    assert r.rcode() == dns.rcode.NOERROR, r.to_text()
    assert addresses(r) == ['198.18.95.2']
