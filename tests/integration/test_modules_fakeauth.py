# SPDX-License-Identifier: GPL-3.0-or-later
"""
A fake authoritative root server for the small modules' integration tests
(test_modules_*.py): one UDP server on its own 198.18.x.y address (added to
`lo` of the test namespace, port 53), authoritative for every name it holds,
so that kresd iterates to it from hints.root() and gets final answers.
Holds no tests itself except a self-check of the fake.
"""
import itertools
import socket
import subprocess
import threading

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

_addrs = itertools.count(10)
SOA = '. 300 IN SOA a.root-servers.net. nstld.lab. 1 1800 900 604800 %d'


class FakeAuth:
    """
    Records are zone-file lines ('www.lab. 300 IN A 192.0.2.1'). Names above
    existing names are empty non-terminals (NODATA); other names NXDOMAIN.
    Negative answers carry the root SOA with minimum `neg_ttl`.
    """

    def __init__(self, records, neg_ttl=60):
        self.address = '198.18.7.%d' % next(_addrs)
        subprocess.run(['ip', 'addr', 'add', self.address + '/32', 'dev', 'lo'],
                       capture_output=True)
        self.neg_ttl = neg_ttl
        self.rrsets = {}
        self.names = {dns.name.root}
        self.queries = []
        self.silent = False   # True: queries are received and counted, never answered
        self.add(records)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((self.address, 53))
        self.sock.settimeout(0.1)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def add(self, records):
        for line in records:
            name, ttl, rdclass, rdtype, rdata = line.split(None, 4)
            rr = dns.rrset.from_text(name, int(ttl), rdclass, rdtype, rdata)
            key = (rr.name, rr.rdtype)
            if key in self.rrsets:
                self.rrsets[key].union_update(rr)
            else:
                self.rrsets[key] = rr
            n = rr.name
            while n != dns.name.root:
                self.names.add(n)
                n = n.parent()
        self.rrsets[(dns.name.root, dns.rdatatype.NS)] = dns.rrset.from_text(
            '.', 300, 'IN', 'NS', 'a.root-servers.net.')

    def config(self):
        """Lua lines pointing kresd's root hints at this server."""
        return ("hints.root({['a.root-servers.net.'] = '%s'})\n"
                "trust_anchors.remove('.')   -- this root is not signed\n" % self.address)

    def answer(self, q):
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        qname, qtype = q.question[0].name, q.question[0].rdtype
        name = qname
        for _ in range(8):
            cname = self.rrsets.get((name, dns.rdatatype.CNAME))
            if cname is None or qtype == dns.rdatatype.CNAME:
                break
            r.answer.append(cname)
            name = cname[0].target
        rr = self.rrsets.get((name, qtype))
        if rr is not None:
            r.answer.append(rr)
        elif name not in self.names and not r.answer:
            r.set_rcode(dns.rcode.NXDOMAIN)
        if rr is None:
            r.authority.append(dns.rrset.from_text('.', 300, 'IN', 'SOA', SOA.split(None, 4)[4] % self.neg_ttl))
        return r

    def _run(self):
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                q = dns.message.from_wire(data)
            except Exception:
                continue
            self.queries.append(q)
            if self.silent:
                continue
            try:
                self.sock.sendto(self.answer(q).to_wire(), addr)
            except OSError:
                pass

    def asked(self, name, rdtype):
        """How many queries for (name, type) arrived (case-insensitive)."""
        n = dns.name.from_text(name)
        t = dns.rdatatype.from_text(rdtype)
        return sum(1 for q in self.queries if q.question[0].name == n and q.question[0].rdtype == t)

    def close(self):
        self._stop.set()
        self.thread.join(2)
        self.sock.close()
        subprocess.run(['ip', 'addr', 'del', self.address + '/32', 'dev', 'lo'], capture_output=True)


@pytest.fixture
def fake_auth():
    """fake_auth(records, neg_ttl=60) starts a FakeAuth; all are closed at teardown."""
    made = []

    def make(records, **kw):
        a = FakeAuth(records, **kw)
        made.append(a)
        return a

    yield make
    for a in made:
        a.close()


def test_fake_auth_resolves(kresd, fake_auth):
    """The fake itself: kresd iterates to it and gets its data, NODATA and NXDOMAIN."""
    auth = fake_auth(['www.lab. 300 IN A 192.0.2.1'])
    k = kresd(auth.config())
    q, r = k.query('www.lab.', 'A')
    assert r.rcode() == dns.rcode.NOERROR
    assert [rd.to_text() for rrset in r.answer for rd in rrset] == ['192.0.2.1']
    q, r = k.query('www.lab.', 'AAAA')
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    q, r = k.query('nothing.lab.', 'A')
    assert r.rcode() == dns.rcode.NXDOMAIN
