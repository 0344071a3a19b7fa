# SPDX-License-Identifier: GPL-3.0-or-later
"""
The fake Internet of the recursion tests: a tree of zones served by real
authoritative servers (Knot DNS, one knotd process per zone level, so that a
resolver sees every referral) plus a few small Python servers that misbehave
on purpose (silent, REFUSED, upward referral, UDP-truncating, spoofing,
out-of-bailiwick glue, poison).

Everything listens on addresses this module adds to `lo`; it must run inside a
private network namespace (tests/recursion/run.sh makes one). The root is the
real a.root-servers.net address 198.41.0.4; every other server is in
198.18.0.0/15 (RFC 2544) or 2001:2::/48 (RFC 5180).

The zone data is generated here, as text, and parsed with dnspython into a
model (`Tree`) that says what the authoritative answer to any question is:
`Tree.expected(name, type)` follows CNAME and DNAME chains across zones,
synthesises wildcards, and gives NXDOMAIN / NODATA with the SOA of the zone.
"""
import pathlib
import selectors
import signal
import socket
import struct
import subprocess
import threading
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

IN = dns.rdataclass.IN
A, AAAA, NS, SOA, CNAME, DNAME, DS, TXT = (dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.NS,
                                          dns.rdatatype.SOA, dns.rdatatype.CNAME,
                                          dns.rdatatype.DNAME, dns.rdatatype.DS,
                                          dns.rdatatype.TXT)
ROOT_ADDR = '198.41.0.4'
BIG_NAMES = 1100          # names h0000..h1099 in big.lab.
TTL = 3600
NEG_TTL = 300

# --- addresses of the servers ----------------------------------------------

ADDR = {
    'root': ROOT_ADDR,
    'a.nic.lab': '198.18.0.1', 'ns.nic.wan': '198.18.0.2', 'a.nic.bench': '198.18.0.3',
    'ns1.glue.lab': '198.18.1.1', 'ns2.glue.lab': '198.18.1.2', 'ns.hosting.wan': '198.18.1.3',
    'ns.big.lab': '198.18.1.4', 'ns2.silent.bench': '198.18.1.5', 'ns3.lame.lab': '198.18.1.7',
    'ns.v6only.bench': '2001:2::1:7',
    'ns.sub.feat.lab': '198.18.2.1',
    # Python servers
    'ns1.silent.bench': '198.18.5.1',     # never answers (also sink.lab.)
    'ns.tcponly.bench': '198.18.6.1',     # UDP: TC=1 always; TCP: proxied to ns1.glue.lab
    'ns.spoof.bench': '198.18.7.1',       # spoofs before answering
    'spoof-other-addr': '198.18.7.2',     # source of replies from a wrong address
    'ns.oob.wan': '198.18.8.1',           # referral with out-of-bailiwick (poisoned) glue
    'ns1.lame.lab': '198.18.9.1',         # REFUSED
    'ns2.lame.lab': '198.18.9.2',         # upward referral to the root, no AA
    'poison': '198.18.66.66',             # what the poisoned glue points to
}
POISON_A = '192.0.2.66'


def N(text):
    return dns.name.from_text(text)


# --- the zone data -----------------------------------------------------------

def _soa(origin, mname):
    return '%s %d SOA %s hostmaster.%s 1 3600 600 86400 %d' % (
        origin, TTL, mname, origin if origin != '.' else '', NEG_TTL)


def _zone_text(origin, mname, records):
    lines = [_soa(origin, mname)]
    for rec in records:
        parts = rec.split(None, 1)
        owner = parts[0]
        if owner == '@':
            owner = origin
        elif not owner.endswith('.'):
            owner = owner + '.' + origin if origin != '.' else owner + '.'
        lines.append('%s %d %s' % (owner, TTL, parts[1]))
    return '\n'.join(lines) + '\n'


def zone_texts():
    """{origin: zone file text}: every zone of the fake Internet (knotd and Python ones)."""
    z = {}
    z['.'] = _zone_text('.', 'a.root-servers.net.', [
        '. NS a.root-servers.net.',
        'a.root-servers.net. A %s' % ROOT_ADDR,
        'lab. NS a.nic.lab.', 'lab. NS ns.nic.wan.',
        'a.nic.lab. A ' + ADDR['a.nic.lab'],
        'bench. NS a.nic.bench.', 'bench. NS ns.nic.wan.',
        'a.nic.bench. A ' + ADDR['a.nic.bench'],
        'wan. NS ns.nic.wan.', 'wan. NS a.nic.lab.',
        'ns.nic.wan. A ' + ADDR['ns.nic.wan'],
    ])
    z['lab.'] = _zone_text('lab.', 'a.nic.lab.', [
        'lab. NS a.nic.lab.', 'lab. NS ns.nic.wan.',
        'a.nic.lab. A ' + ADDR['a.nic.lab'],
        'www A 198.18.10.1',
        'info TXT "the lab TLD"',
        # in-bailiwick mandatory glue
        'glue NS ns1.glue.lab.', 'glue NS ns2.glue.lab.',
        'ns1.glue A ' + ADDR['ns1.glue.lab'], 'ns2.glue A ' + ADDR['ns2.glue.lab'],
        'big NS ns.big.lab.', 'big NS ns1.glue.lab.', 'ns.big A ' + ADDR['ns.big.lab'],
        # sibling glue only (in-bailiwick for lab., not below sib.lab.)
        'sib NS ns1.glue.lab.',
        # glueless: the NS name is in another TLD
        'glueless NS ns.hosting.wan.',
        'feat NS ns1.glue.lab.', 'feat NS ns.hosting.wan.',
        # lame: REFUSED, upward referral, and one good server
        'lame NS ns1.lame.lab.', 'lame NS ns2.lame.lab.', 'lame NS ns3.lame.lab.',
        'ns1.lame A ' + ADDR['ns1.lame.lab'], 'ns2.lame A ' + ADDR['ns2.lame.lab'],
        'ns3.lame A ' + ADDR['ns3.lame.lab'],
        # delegation loop, half 1
        'loop1 NS ns.loop2.wan.',
        # a zone whose only server never answers
        'sink NS ns.sink.lab.', 'ns.sink A ' + ADDR['ns1.silent.bench'],
    ])
    z['bench.'] = _zone_text('bench.', 'a.nic.bench.', [
        'bench. NS a.nic.bench.', 'bench. NS ns.nic.wan.',
        'a.nic.bench. A ' + ADDR['a.nic.bench'],
        'info TXT "the bench TLD"',
        'v6only NS ns.v6only.bench.', 'ns.v6only AAAA ' + ADDR['ns.v6only.bench'],
        'silent NS ns1.silent.bench.', 'silent NS ns2.silent.bench.',
        'ns1.silent A ' + ADDR['ns1.silent.bench'], 'ns2.silent A ' + ADDR['ns2.silent.bench'],
        'tcponly NS ns.tcponly.bench.', 'ns.tcponly A ' + ADDR['ns.tcponly.bench'],
        'spoof NS ns.spoof.bench.', 'ns.spoof A ' + ADDR['ns.spoof.bench'],
    ])
    boom = ['boom NS ns%d.nx%d.bench.' % (i, i) for i in range(1, 11)]
    boom += ['boom NS ns%d.sink.lab.' % i for i in range(1, 11)]
    z['wan.'] = _zone_text('wan.', 'ns.nic.wan.', [
        'wan. NS ns.nic.wan.', 'wan. NS a.nic.lab.',
        'ns.nic.wan. A ' + ADDR['ns.nic.wan'],
        'www A 198.18.11.1', 'www AAAA 2001:2::11:1',
        'hosting NS ns.hosting.wan.', 'ns.hosting A ' + ADDR['ns.hosting.wan'],
        'oob NS ns.oob.wan.', 'ns.oob A ' + ADDR['ns.oob.wan'],
        'loop2 NS ns.loop1.lab.',
    ] + boom)
    # --- level 3 ---
    z['glue.lab.'] = _zone_text('glue.lab.', 'ns1.glue.lab.', [
        '@ NS ns1.glue.lab.', '@ NS ns2.glue.lab.',
        'ns1 A ' + ADDR['ns1.glue.lab'], 'ns2 A ' + ADDR['ns2.glue.lab'],
        'www A 198.18.33.1', 'www AAAA 2001:2::33:1',
    ])
    z['sib.lab.'] = _zone_text('sib.lab.', 'ns1.glue.lab.', [
        '@ NS ns1.glue.lab.', 'www A 198.18.32.1', 'mail A 198.18.32.2', '@ MX 10 mail.sib.lab.',
    ])
    z['glueless.lab.'] = _zone_text('glueless.lab.', 'ns.hosting.wan.', [
        '@ NS ns.hosting.wan.', 'www A 198.18.31.1', 'www TXT "no glue on the way here"',
        'alias CNAME www.hosting.wan.',
    ])
    z['hosting.wan.'] = _zone_text('hosting.wan.', 'ns.hosting.wan.', [
        '@ NS ns.hosting.wan.', 'ns A ' + ADDR['ns.hosting.wan'],
        'www A 198.18.30.1', 'c1 CNAME www.feat.lab.', 'back CNAME chain.feat.lab.',
    ])
    z['feat.lab.'] = _zone_text('feat.lab.', 'ns1.glue.lab.', [
        '@ NS ns1.glue.lab.', '@ NS ns.hosting.wan.',
        '@ MX 10 mail.feat.lab.', '@ TXT "v=spf1 -all"',
        'www A 198.18.20.1', 'www A 198.18.20.2', 'www AAAA 2001:2::20:1',
        'www MX 10 mail.feat.lab.', 'www TXT "hello" "world"',
        'mail A 198.18.20.3',
        '_sip._tcp SRV 0 5 5060 www.feat.lab.',
        'cname CNAME www.feat.lab.',
        'chain CNAME cname.feat.lab.',
        'ext CNAME h0001.big.lab.',
        'xchain CNAME c1.hosting.wan.',
        'dangling CNAME nothere.big.lab.',
        'v4only CNAME mail.feat.lab.',
        'dname DNAME big.lab.',
        'dn2 DNAME hosting.wan.',
        '*.wild A 198.18.21.1', '*.wild TXT "wild"',
        'explicit.wild A 198.18.21.2',
        '*.wc CNAME www.feat.lab.',
        'a.b.c A 198.18.22.1',
        'sub NS ns.sub.feat.lab.', 'ns.sub A ' + ADDR['ns.sub.feat.lab'],
        'long TXT "%s" "%s"' % ('x' * 200, 'y' * 200),
    ])
    z['sub.feat.lab.'] = _zone_text('sub.feat.lab.', 'ns.sub.feat.lab.', [
        '@ NS ns.sub.feat.lab.', 'ns A ' + ADDR['ns.sub.feat.lab'],
        'www A 198.18.23.1', 'deep.x.y A 198.18.23.2', 'back CNAME www.feat.lab.',
    ])
    z['lame.lab.'] = _zone_text('lame.lab.', 'ns3.lame.lab.', [
        '@ NS ns1.lame.lab.', '@ NS ns2.lame.lab.', '@ NS ns3.lame.lab.',
        'ns1 A ' + ADDR['ns1.lame.lab'], 'ns2 A ' + ADDR['ns2.lame.lab'],
        'ns3 A ' + ADDR['ns3.lame.lab'],
        'www A 198.18.34.1', 'www2 A 198.18.34.2', 'www3 A 198.18.34.3',
    ])
    z['v6only.bench.'] = _zone_text('v6only.bench.', 'ns.v6only.bench.', [
        '@ NS ns.v6only.bench.', 'ns AAAA ' + ADDR['ns.v6only.bench'],
        'www A 198.18.35.1', 'www AAAA 2001:2::35:1',
    ])
    z['silent.bench.'] = _zone_text('silent.bench.', 'ns2.silent.bench.', [
        '@ NS ns1.silent.bench.', '@ NS ns2.silent.bench.',
        'ns1 A ' + ADDR['ns1.silent.bench'], 'ns2 A ' + ADDR['ns2.silent.bench'],
        'www A 198.18.36.1',
    ] + ['n%d A 198.18.36.%d' % (i, i + 10) for i in range(1, 31)])
    z['tcponly.bench.'] = _zone_text('tcponly.bench.', 'ns.tcponly.bench.', [
        '@ NS ns.tcponly.bench.', 'ns A ' + ADDR['ns.tcponly.bench'],
        'www A 198.18.37.1',
        'big TXT "%s" "%s" "%s"' % ('a' * 250, 'b' * 250, 'c' * 250),
    ] + ['many A 198.18.37.%d' % i for i in range(10, 70)])
    z['child.oob.wan.'] = _zone_text('child.oob.wan.', 'ns1.glue.lab.', [
        '@ NS ns1.glue.lab.', 'www A 198.18.38.1',
    ])
    big = ['@ NS ns.big.lab.', '@ NS ns1.glue.lab.', 'ns A ' + ADDR['ns.big.lab'],
           'www A 198.18.99.1', 'x.ent A 198.18.99.2', '@ MX 10 www.big.lab.']
    for i in range(BIG_NAMES):
        h = 'h%04d' % i
        big.append('%s A 198.18.%d.%d' % (h, 100 + i // 250, i % 250 + 1))
        if i % 50 == 0:
            big.append('%s A 198.18.99.%d' % (h, 100 + i // 50))
        if i % 10 == 0:
            big.append('%s AAAA 2001:2::100:%x' % (h, i))
        if i % 7 == 0:
            big.append('%s TXT "name %d"' % (h, i))
    for i in range(20):
        big.append('cn%02d CNAME h%04d.big.lab.' % (i, 3 * i + 1))
    z['big.lab.'] = _zone_text('big.lab.', 'ns.big.lab.', big)
    # --- Python-served zones ---
    z['oob.wan.'] = _zone_text('oob.wan.', 'ns.oob.wan.', [
        '@ NS ns.oob.wan.', 'ns A ' + ADDR['ns.oob.wan'], 'www A 198.18.39.1',
        'child NS ns1.glue.lab.',
    ])
    z['spoof.bench.'] = _zone_text('spoof.bench.', 'ns.spoof.bench.', [
        '@ NS ns.spoof.bench.', 'ns A ' + ADDR['ns.spoof.bench'],
        'www A 198.18.40.1',
        'thequickbrownfox A 198.18.40.2', 'thequickbrownfox AAAA 2001:2::40:2',
        'alias CNAME thequickbrownfox.spoof.bench.',
    ])
    return z


# Which process serves which zones: no process holds a zone and its parent.
KNOT_LEVELS = {
    'root': (['.'], [ROOT_ADDR]),
    'tld': (['lab.', 'bench.', 'wan.'], [ADDR['a.nic.lab'], ADDR['ns.nic.wan'], ADDR['a.nic.bench']]),
    'l3': (['glue.lab.', 'sib.lab.', 'glueless.lab.', 'hosting.wan.', 'feat.lab.', 'lame.lab.',
            'v6only.bench.', 'silent.bench.', 'tcponly.bench.', 'child.oob.wan.', 'big.lab.'],
           [ADDR[k] for k in ('ns1.glue.lab', 'ns2.glue.lab', 'ns.hosting.wan', 'ns.big.lab',
                              'ns2.silent.bench', 'ns3.lame.lab', 'ns.v6only.bench')]),
    'l4': (['sub.feat.lab.'], [ADDR['ns.sub.feat.lab']]),
}
PY_ZONES = ('oob.wan.', 'spoof.bench.')
# Delegations to zones nobody serves (loops, explosions, dead servers): never in the model's names.
BROKEN = ('loop1.lab.', 'loop2.wan.', 'boom.wan.', 'sink.lab.')


# --- the model ---------------------------------------------------------------

class Result:
    def __init__(self, kind, rrsets=(), target=None, cut=None):
        self.kind = kind            # answer cname nodata nxdomain referral
        self.rrsets = list(rrsets)
        self.target = target
        self.cut = cut


def _rrset(owner, rdataset):
    rr = dns.rrset.RRset(owner, rdataset.rdclass, rdataset.rdtype)
    rr.update(rdataset)
    return rr


class Zone:
    def __init__(self, origin, text):
        self.origin = N(origin)
        self.text = text
        self.zone = dns.zone.from_text(text, origin=self.origin, relativize=False)
        self.cuts = {n for n, node in self.zone.nodes.items()
                     if n != self.origin and node.get_rdataset(IN, NS)}
        # every existing name, with the empty non-terminals
        self.exists = set()
        for n in self.zone.nodes:
            while n != self.origin:
                self.exists.add(n)
                n = n.parent()
        self.exists.add(self.origin)

    def soa(self):
        return _rrset(self.origin, self.zone.get_rdataset(self.origin, SOA))

    def rdataset(self, name, rdtype):
        return self.zone.get_rdataset(name, rdtype)

    def occluded(self, name):
        """Name at or below a delegation of this zone (not its data)."""
        while name != self.origin:
            if name in self.cuts:
                return True
            name = name.parent()
        return False

    def names(self):
        """(name, [types]) of the authoritative data, empty non-terminals with []."""
        out = []
        for n in sorted(self.exists):
            if self.occluded(n):
                continue
            node = self.zone.get_node(n)
            types = sorted(rds.rdtype for rds in node.rdatasets) if node else []
            out.append((n, types))
        return out

    def _at(self, node, owner, qtype):
        rds = node.get_rdataset(IN, qtype)
        if rds is not None:
            return Result('answer', [_rrset(owner, rds)])
        cn = node.get_rdataset(IN, CNAME)
        if cn is not None and qtype != CNAME:
            return Result('cname', [_rrset(owner, cn)], target=cn[0].target)
        return Result('nodata')

    def lookup(self, name, qtype):
        """One step of authoritative lookup in this zone (name must be in it)."""
        depth = len(name) - len(self.origin)
        for k in range(1, depth + 1):
            anc = dns.name.Name(name.labels[depth - k:])
            if anc in self.cuts and not (anc == name and qtype == DS):
                return Result('referral', cut=anc)
            if anc != name:
                dn = self.zone.get_rdataset(anc, DNAME)
                if dn is not None:
                    target = dns.name.Name(name.relativize(anc).labels + dn[0].target.labels)
                    cname = dns.rrset.from_text(name, dn.ttl, IN, CNAME, target.to_text())
                    return Result('cname', [_rrset(anc, dn), cname], target=target)
        node = self.zone.get_node(name)
        if node is not None and len(node.rdatasets):
            return self._at(node, name, qtype)
        if name in self.exists:
            return Result('nodata')
        ce = name.parent()
        while ce not in self.exists:
            ce = ce.parent()
        wnode = self.zone.get_node(dns.name.Name((b'*',) + ce.labels))
        if wnode is not None:
            return self._at(wnode, name, qtype)
        return Result('nxdomain')


class Expect:
    def __init__(self, rcode, answer, authority):
        self.rcode = rcode
        self.answer = answer
        self.authority = authority


class Tree:
    def __init__(self):
        self.zones = {N(o): Zone(o, t) for o, t in zone_texts().items()}

    def auth_zone(self, name, qtype=None):
        best = None
        for origin, z in self.zones.items():
            if name.is_subdomain(origin) and (best is None or len(origin) > len(best.origin)):
                if qtype == DS and name == origin and origin != dns.name.root:
                    continue
                best = z
        return best

    def expected(self, qname, qtype):
        """The answer a correct resolver gives (rcode, answer RRsets, authority RRsets)."""
        if isinstance(qname, str):
            qname = N(qname)
        if isinstance(qtype, str):
            qtype = dns.rdatatype.from_text(qtype)
        answer = []
        seen = set()
        name = qname
        while True:
            z = self.auth_zone(name, qtype)
            r = z.lookup(name, qtype)
            if r.kind == 'referral':
                return Expect(dns.rcode.SERVFAIL, answer, [])
            answer += r.rrsets
            if r.kind == 'cname':
                if r.target in seen or len(seen) > 12:
                    return Expect(dns.rcode.SERVFAIL, answer, [])
                seen.add(name)
                name = r.target
                continue
            if r.kind == 'answer':
                return Expect(dns.rcode.NOERROR, answer, [])
            rc = dns.rcode.NXDOMAIN if r.kind == 'nxdomain' else dns.rcode.NOERROR
            return Expect(rc, answer, [z.soa()])

    def knot_zones(self):
        return [self.zones[N(o)] for level in KNOT_LEVELS.values() for o in level[0]]

    def questions(self, zones=None, probes=True):
        """Every (name, type) of the zones' data, plus NODATA and NXDOMAIN probes."""
        out = []
        for z in zones or self.knot_zones():
            for name, types in z.names():
                if any(name.is_subdomain(N(b)) for b in BROKEN):
                    continue
                qtypes = [t for t in types if t != dns.rdatatype.RRSIG]
                if probes:
                    if CNAME in types:
                        qtypes.append(A)
                    else:
                        qtypes.append(TXT if TXT not in types else dns.rdatatype.SRV)
                for t in qtypes:
                    out.append((name, t))
            if probes:
                out.append((dns.name.from_text('nosuchname', z.origin), A))
                out.append((dns.name.from_text('a.b.nosuchname', z.origin), AAAA))
            if z.origin in self.cuts_of_parent():
                out.append((z.origin, DS))
        # names below a DNAME and a wildcard, chains to other zones
        for text, t in (('h0005.dname.feat.lab.', 'A'), ('h0010.dname.feat.lab.', 'AAAA'),
                        ('nothere.dname.feat.lab.', 'A'), ('x.h0001.dname.feat.lab.', 'A'),
                        ('www.dn2.feat.lab.', 'A'), ('c1.dn2.feat.lab.', 'A'),
                        ('foo.wild.feat.lab.', 'A'), ('foo.wild.feat.lab.', 'TXT'),
                        ('foo.wild.feat.lab.', 'MX'), ('a.b.c.wild.feat.lab.', 'A'),
                        ('x.explicit.wild.feat.lab.', 'A'), ('any.wc.feat.lab.', 'AAAA'),
                        ('any.wc.feat.lab.', 'CNAME'), ('v4only.feat.lab.', 'AAAA'),
                        ('b.c.feat.lab.', 'A'), ('c.feat.lab.', 'TXT'),
                        ('back.hosting.wan.', 'AAAA'), ('ent.big.lab.', 'A'),
                        ('nosuchtld.', 'A'), ('www.sub.feat.lab.', 'DS')):
            out.append((N(text), dns.rdatatype.from_text(t)))
        return out

    def cuts_of_parent(self):
        cuts = set()
        for z in self.zones.values():
            cuts |= z.cuts
        return cuts


# --- knotd -------------------------------------------------------------------

KNOT_CONF = '''server:
    rundir: "{dir}"
    listen: [ {listen} ]
    udp-workers: 2
    tcp-workers: 2
    background-workers: 1
database:
    storage: "{dir}"
control:
    listen: "{dir}/knot.sock"
log:
  - target: stderr
    any: warning
mod-stats:
  - id: default
    request-protocol: on
    query-type: on
template:
  - id: default
    storage: "{dir}"
    global-module: mod-stats/default
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
{zones}'''


def _listen_spec(addr):
    return ('%s@53' % addr)


class Knotd:
    def __init__(self, name, workdir, zones, addrs):
        self.name = name
        self.dir = pathlib.Path(workdir) / ('knotd-' + name)
        self.zones = zones
        self.addrs = addrs
        self.proc = None

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        entries = []
        for z in self.zones:
            fname = (z.origin.to_text().rstrip('.') or 'root') + '.zone'
            (self.dir / fname).write_text(z.text)
            entries.append('  - domain: "%s"\n    file: "%s"\n' % (z.origin.to_text(), self.dir / fname))
        conf = KNOT_CONF.format(dir=self.dir, listen=', '.join(_listen_spec(a) for a in self.addrs),
                                zones=''.join(entries))
        (self.dir / 'knot.conf').write_text(conf)
        self.log = open(self.dir / 'knotd.log', 'wb')
        self.proc = subprocess.Popen(['knotd', '-c', str(self.dir / 'knot.conf')],
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)

    def wait_ready(self, timeout=15.0):
        deadline = time.monotonic() + timeout
        for z in self.zones:
            for addr in self.addrs:
                q = dns.message.make_query(z.origin, SOA)
                while True:
                    if self.proc.poll() is not None:
                        raise RuntimeError('knotd %s exited with %s:\n%s'
                                           % (self.name, self.proc.returncode, self.logtext()))
                    try:
                        r = dns.query.udp(q, addr, timeout=0.2)
                        if r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA and r.answer:
                            break
                    except (dns.exception.Timeout, OSError):
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError('knotd %s does not serve %s on %s:\n%s'
                                           % (self.name, z.origin, addr, self.logtext()))
                    time.sleep(0.05)

    def logtext(self):
        try:
            return (self.dir / 'knotd.log').read_text(errors='replace')
        except OSError:
            return ''

    def queries(self):
        """Queries received so far (mod-stats request-protocol counters)."""
        res = subprocess.run(['knotc', '-s', str(self.dir / 'knot.sock'), 'stats', 'mod-stats'],
                             capture_output=True, text=True, timeout=10)
        total = 0
        for line in res.stdout.splitlines():
            if line.startswith('mod-stats.request-protocol['):
                total += int(line.rsplit('=', 1)[1])
        return total

    def queries_of_type(self, rdtype):
        """Queries of type rdtype (text, e.g. 'NULL') received so far (mod-stats query-type)."""
        res = subprocess.run(['knotc', '-s', str(self.dir / 'knot.sock'), 'stats', 'mod-stats'],
                             capture_output=True, text=True, timeout=10)
        key = 'mod-stats.query-type[%s]' % rdtype
        return sum(int(line.rsplit('=', 1)[1]) for line in res.stdout.splitlines()
                   if line.replace(' ', '').startswith(key + '='))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()


# --- Python servers ----------------------------------------------------------

def _recv_exact(sock, n):
    buf = b''
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


class PyServer:
    """A DNS server on ADDR:53 (UDP and TCP) in threads; counts the queries it receives."""

    def __init__(self, name, addrs, tcp=True):
        self.name = name
        self.addrs = addrs
        self.tcp = tcp
        self.log = []            # (monotonic, proto, qname text, qtype)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.udp_socks = []
        self.tcp_socks = []
        self.timers = []
        self.conns = []

    def start(self):
        self.sel = selectors.DefaultSelector()
        for a in self.addrs:
            fam = socket.AF_INET6 if ':' in a else socket.AF_INET
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.bind((a, 53))
            self.udp_socks.append(u)
            self.sel.register(u, selectors.EVENT_READ, 'udp')
            if self.tcp:
                t = socket.socket(fam, socket.SOCK_STREAM)
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                t.bind((a, 53))
                t.listen(64)
                self.tcp_socks.append(t)
                self.sel.register(t, selectors.EVENT_READ, 'tcp')
        self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self.thread.start()

    def wait_ready(self, timeout=5.0):
        pass

    def _run(self):
        while not self.stopping.is_set():
            for key, _ in self.sel.select(0.1):
                sock = key.fileobj
                try:
                    if key.data == 'udp':
                        data, peer = sock.recvfrom(65535)
                        self._got('udp', sock, data, peer)
                    else:
                        conn, _ = sock.accept()
                        self.conns.append(conn)
                        threading.Thread(target=self._tcp_conn, args=(conn,), daemon=True).start()
                except OSError:
                    if self.stopping.is_set():
                        return

    def _tcp_conn(self, conn):
        conn.settimeout(0.5)
        while not self.stopping.is_set():
            try:
                (n,) = struct.unpack('!H', _recv_exact(conn, 2))
                data = _recv_exact(conn, n)
            except socket.timeout:
                continue
            except (EOFError, OSError):
                break
            self._got('tcp', conn, data, None)
        try:
            conn.close()
        except OSError:
            pass

    def _got(self, proto, sock, data, peer):
        try:
            q = dns.message.from_wire(data)
        except Exception:
            return
        with self.lock:
            self.log.append((time.monotonic(), proto, q.question[0].name.to_text() if q.question
                             else '', q.question[0].rdtype if q.question else 0))
        self.handle(proto, sock, q, peer)

    def send(self, proto, sock, wire, peer):
        try:
            if proto == 'udp':
                sock.sendto(wire, peer)
            else:
                sock.sendall(struct.pack('!H', len(wire)) + wire)
        except OSError:
            pass

    def later(self, delay, fn, *args):
        t = threading.Timer(delay, fn, args)
        t.daemon = True
        self.timers.append(t)
        t.start()

    def handle(self, proto, sock, q, peer):
        raise NotImplementedError

    def queries(self, proto=None):
        with self.lock:
            return sum(1 for e in self.log if proto is None or e[1] == proto)

    def stop(self):
        self.stopping.set()
        for t in self.timers:
            t.cancel()
        if hasattr(self, 'thread'):
            self.thread.join(2)
        for s in self.udp_socks + self.tcp_socks + self.conns:
            try:
                s.close()
            except OSError:
                pass


def serving(servers):
    """For a pytest fixture: `yield from serving([...])` starts the servers, stops them after."""
    for x in servers:
        x.start()
    try:
        yield servers
    finally:
        for x in servers:
            x.stop()


class Silent(PyServer):
    """Reads every query and never answers (UDP and TCP)."""

    def handle(self, proto, sock, q, peer):
        pass


class Refused(PyServer):
    def handle(self, proto, sock, q, peer):
        r = dns.message.make_response(q)
        r.set_rcode(dns.rcode.REFUSED)
        self.send(proto, sock, r.to_wire(), peer)


class Upward(PyServer):
    """Not authoritative: answers every query with a referral to the root, without AA."""

    def handle(self, proto, sock, q, peer):
        r = dns.message.make_response(q)
        r.authority.append(dns.rrset.from_text('.', TTL, IN, NS, 'a.root-servers.net.'))
        r.additional.append(dns.rrset.from_text('a.root-servers.net.', TTL, IN, A, ROOT_ADDR))
        self.send(proto, sock, r.to_wire(), peer)


class Poison(PyServer):
    """Answers anything with A 192.0.2.66, authoritatively: must never be asked."""

    def handle(self, proto, sock, q, peer):
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        if q.question:
            r.answer.append(dns.rrset.from_text(q.question[0].name, TTL, IN, A, POISON_A))
        self.send(proto, sock, r.to_wire(), peer)


class TcpOnly(PyServer):
    """UDP: TC=1 with nothing but the question. TCP: the answer of `backend` (knotd)."""

    def __init__(self, name, addrs, backend):
        super().__init__(name, addrs)
        self.backend = backend

    def handle(self, proto, sock, q, peer):
        if proto == 'udp':
            r = dns.message.make_response(q)
            r.flags |= dns.flags.TC | dns.flags.AA
            self.send(proto, sock, r.to_wire(), peer)
            return
        try:
            r = dns.query.tcp(q, self.backend, timeout=3)
        except Exception:
            return
        r.id = q.id
        self.send(proto, sock, r.to_wire(), peer)


def zone_answer(zone, q, extra_additional=()):
    """An authoritative server's reply from a Zone model (referrals, CNAMEs in zone, negatives)."""
    r = dns.message.make_response(q)
    if not q.question:
        r.set_rcode(dns.rcode.FORMERR)
        return r
    name, qtype = q.question[0].name, q.question[0].rdtype
    if not name.is_subdomain(zone.origin):
        r.set_rcode(dns.rcode.REFUSED)
        return r
    r.flags |= dns.flags.AA
    for _ in range(10):
        res = zone.lookup(name, qtype)
        if res.kind == 'referral':
            r.flags &= ~dns.flags.AA
            nsset = zone.rdataset(res.cut, NS)
            r.authority.append(_rrset(res.cut, nsset))
            for ns in nsset:
                for t in (A, AAAA):
                    rds = zone.rdataset(ns.target, t) if ns.target.is_subdomain(zone.origin) else None
                    if rds is not None:
                        r.additional.append(_rrset(ns.target, rds))
            for text in extra_additional:
                r.additional.append(dns.rrset.from_text(*text))
            return r
        r.answer += res.rrsets
        if res.kind == 'cname':
            if res.target.is_subdomain(zone.origin):
                name = res.target
                continue
            return r
        if res.kind == 'answer':
            return r
        if res.kind == 'nxdomain':
            r.set_rcode(dns.rcode.NXDOMAIN)
        r.authority.append(zone.soa())
        return r
    return r


class ZoneServer(PyServer):
    """Authoritative for one zone of the model; `extra_additional` goes with every referral."""

    def __init__(self, name, addrs, zone, extra_additional=()):
        super().__init__(name, addrs)
        self.zone = zone
        self.extra = extra_additional

    def handle(self, proto, sock, q, peer):
        self.send(proto, sock, zone_answer(self.zone, q, self.extra).to_wire(), peer)


class Spoofer(ZoneServer):
    """
    For each UDP query, first replies that must be dropped, then (after `delay`)
    the right one, which also carries out-of-bailiwick records to be scrubbed:
      1. wrong ID                         4. right ID, another question
      2. right ID from another port       5. right ID, the question's letter case flipped
      3. right ID from another address    6. right ID, QR clear (a query, not a reply)
    Each forged reply says A 192.0.2.66.
    """

    def __init__(self, name, addrs, zone, other_addr, delay=0.25):
        super().__init__(name, addrs, zone)
        self.other_addr = other_addr
        self.delay = delay
        self.forged_sent = 0

    def start(self):
        super().start()
        self.port_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.port_sock.bind((self.addrs[0], 5353))
        self.addr_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addr_sock.bind((self.other_addr, 53))
        self.udp_socks += [self.port_sock, self.addr_sock]

    def forged(self, q, qid=None, name=None):
        fq = dns.message.make_query(name or q.question[0].name, q.question[0].rdtype)
        fq.id = q.id
        r = dns.message.make_response(fq)
        r.flags |= dns.flags.AA
        r.id = q.id if qid is None else qid
        r.answer.append(dns.rrset.from_text(r.question[0].name, TTL, IN, A, POISON_A))
        r.answer.append(dns.rrset.from_text('www.feat.lab.', TTL, IN, A, POISON_A))
        return r

    def handle(self, proto, sock, q, peer):
        if proto != 'udp' or not q.question:
            return super().handle(proto, sock, q, peer)
        qname = q.question[0].name
        flipped = dns.name.from_text(qname.to_text().swapcase())
        out = [
            (sock, self.forged(q, qid=(q.id + 1) & 0xffff).to_wire()),
            (self.port_sock, self.forged(q).to_wire()),
            (self.addr_sock, self.forged(q).to_wire()),
            (sock, self.forged(q, name=N('other.spoof.bench.')).to_wire()),
        ]
        if flipped.to_text() != qname.to_text():
            out.append((sock, self.forged(q, name=flipped).to_wire()))
        notreply = bytearray(self.forged(q).to_wire())
        notreply[2] &= 0x7f
        out.append((sock, bytes(notreply)))
        for s, wire in out:
            try:
                s.sendto(wire, peer)
                self.forged_sent += 1
            except OSError:
                pass
        good = zone_answer(self.zone, q)
        # Out-of-bailiwick additions to the right reply: to be scrubbed.
        good.answer.append(dns.rrset.from_text('www.feat.lab.', TTL, IN, A, POISON_A))
        good.authority.append(dns.rrset.from_text('feat.lab.', TTL, IN, NS, 'ns.spoof.bench.'))
        good.additional.append(dns.rrset.from_text('ns1.glue.lab.', TTL, IN, A, POISON_A))
        self.later(self.delay, self.send, 'udp', sock, good.to_wire(), peer)


# --- the whole network -------------------------------------------------------

def _ip(*args):
    subprocess.run(['ip'] + list(args), check=True, capture_output=True, timeout=10)


class FakeNet:
    def __init__(self, workdir):
        self.workdir = pathlib.Path(workdir)
        self.tree = Tree()
        z = self.tree.zones
        self.knots = {name: Knotd(name, self.workdir, [z[N(o)] for o in origins], addrs)
                      for name, (origins, addrs) in KNOT_LEVELS.items()}
        self.py = {
            'silent': Silent('silent', [ADDR['ns1.silent.bench']]),
            'refused': Refused('refused', [ADDR['ns1.lame.lab']]),
            'upward': Upward('upward', [ADDR['ns2.lame.lab']]),
            'tcponly': TcpOnly('tcponly', [ADDR['ns.tcponly.bench']], ADDR['ns1.glue.lab']),
            'spoof': Spoofer('spoof', [ADDR['ns.spoof.bench']], z[N('spoof.bench.')],
                             ADDR['spoof-other-addr']),
            'oob': ZoneServer('oob', [ADDR['ns.oob.wan']], z[N('oob.wan.')], extra_additional=[
                ('ns1.glue.lab.', TTL, IN, A, ADDR['poison']),
                ('www.feat.lab.', TTL, IN, A, POISON_A)]),
            'poison': Poison('poison', [ADDR['poison']]),
        }
        self.started = []

    def addresses(self):
        out = set(ADDR.values())
        return sorted(out)

    def start(self):
        for a in self.addresses():
            if ':' in a:
                _ip('-6', 'addr', 'add', a + '/128', 'dev', 'lo', 'nodad')
            else:
                _ip('addr', 'add', a + '/32', 'dev', 'lo')
        try:
            for s in list(self.knots.values()) + list(self.py.values()):
                s.start()
                self.started.append(s)
            for s in self.knots.values():
                s.wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self):
        for s in reversed(self.started):
            s.stop()
        self.started = []

    def counts(self):
        """{server name: queries received so far}."""
        out = {name: k.queries() for name, k in self.knots.items()}
        out.update({name: p.queries() for name, p in self.py.items()})
        return out

    @staticmethod
    def diff(after, before):
        return {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0)}
