# SPDX-License-Identifier: GPL-3.0-or-later
"""
The signed fake Internet of the DNSSEC tests: a root signed with our own keys,
TLDs and zones signed with algorithms 8, 10, 13, 14, 15 and 16, NSEC and NSEC3
(salted, opt-out, too many iterations), unsigned delegations, wildcards, CNAME
chains between secure and insecure zones, and zones broken on purpose after
signing. The zones are signed at start (signer.py) and served as static files
by knotd, one process per level (tests/recursion/fakenet.py's Knotd), on
addresses of `lo` inside the private network namespace made by run.sh.

`ZONES` describes every zone; `FAULTS` says what is wrong with each bogus one
and which question shows it.
"""
import pathlib
import subprocess
import sys
import time

import dns.name
import dns.rdatatype

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / 'recursion'))

import fakenet  # noqa: E402  (tests/recursion/fakenet.py)
import signer  # noqa: E402

ROOT_ADDR = fakenet.ROOT_ADDR      # 198.41.0.4, a.root-servers.net
TLD_ADDR = '198.18.0.1'            # ns.nic.lab.: every TLD
LEAF_ADDR = '198.18.1.1'           # ns.<zone>: every zone below a TLD
NOW = int(time.time())
DAY = 86400
GOOD_TIMES = (NOW - DAY, NOW + 30 * DAY)
SHORT_TTL_ZONE = 'shortsig.lab.'   # signatures expire in an hour, data TTL a day
SHORT_EXPIRY = NOW + 3600

# name: (parent, algorithm or None (unsigned), nsec3 or None, DS in the parent)
#   nsec3 = (salt, iterations, opt_out); DS kinds: ok none badtag baddigest unknownalg unknowndigest
ZONES = {
    '.': (None, 8, None, None),
    'lab.': ('.', 13, None, 'ok'),
    'wan.': ('.', 15, ('-', 0, False), 'ok'),
    'bench.': ('.', 8, ('beef', 5, True), 'ok'),
    'plain.': ('.', None, None, 'none'),
    # one zone per algorithm, NSEC
    'rsa.lab.': ('lab.', 8, None, 'ok'),
    'rsa512.lab.': ('lab.', 10, None, 'ok'),
    'ec.lab.': ('lab.', 13, None, 'ok'),
    'p384.lab.': ('lab.', 14, None, 'ok'),
    'ed.lab.': ('lab.', 15, None, 'ok'),
    'ed448.lab.': ('lab.', 16, None, 'ok'),
    # NSEC3
    'n3.wan.': ('wan.', 13, ('-', 0, False), 'ok'),
    'iter.wan.': ('wan.', 13, ('abcd', 200, False), 'ok'),
    'iter150.wan.': ('wan.', 13, ('abcd', 150, False), 'ok'),
    'sec.bench.': ('bench.', 13, None, 'ok'),
    # unsigned delegations: NSEC, NSEC3, NSEC3 opt-out; an unsigned TLD
    'unsigned.lab.': ('lab.', None, None, 'none'),
    'unsigned.wan.': ('wan.', None, None, 'none'),
    'insec.bench.': ('bench.', None, None, 'none'),
    # unknown algorithm / digest in the DS: insecure (RFC 6840 5.2)
    'unknownalg.lab.': ('lab.', 13, None, 'unknownalg'),
    'unknowndigest.lab.': ('lab.', 13, None, 'unknowndigest'),
    # broken
    'expired.lab.': ('lab.', 13, None, 'ok'),
    'future.lab.': ('lab.', 13, None, 'ok'),
    'tampered.lab.': ('lab.', 13, None, 'ok'),
    'baddigest.lab.': ('lab.', 13, None, 'baddigest'),
    'badtag.lab.': ('lab.', 13, None, 'badtag'),
    'nosig.lab.': ('lab.', 13, None, 'ok'),
    'foreignkey.lab.': ('lab.', 13, None, 'ok'),
    'stripped.lab.': ('lab.', 13, None, 'ok'),
    'badnsec.lab.': ('lab.', 13, None, 'ok'),
    'badnsec3.wan.': ('wan.', 13, ('-', 0, False), 'ok'),
    'badwild.lab.': ('lab.', 13, None, 'ok'),
    'badwild3.wan.': ('wan.', 13, ('-', 0, False), 'ok'),
    SHORT_TTL_ZONE: ('lab.', 13, None, 'ok'),
}

# zone: (what is wrong, (qname, qtype) that shows it, what the data is without validation)
FAULTS = {
    'expired.lab.': ('the RRSIG of www A expired yesterday', ('www.expired.lab.', 'A')),
    'future.lab.': ('the RRSIG of www A has its inception tomorrow', ('www.future.lab.', 'A')),
    'tampered.lab.': ('www A changed after signing', ('www.tampered.lab.', 'A')),
    'baddigest.lab.': ('the DS digest matches no DNSKEY', ('www.baddigest.lab.', 'A')),
    'badtag.lab.': ('the DS key tag matches no DNSKEY (the digest does)', ('www.badtag.lab.', 'A')),
    'nosig.lab.': ('www A has no RRSIG', ('www.nosig.lab.', 'A')),
    'foreignkey.lab.': ('www A is signed by a key that is not in the DNSKEY set',
                        ('www.foreignkey.lab.', 'A')),
    'stripped.lab.': ('a DS in the parent, the zone served without DNSSEC records',
                      ('www.stripped.lab.', 'A')),
    'badnsec.lab.': ('NXDOMAIN whose NSEC ends at the name asked (it does not cover it)',
                     ('gone.badnsec.lab.', 'A')),
    'badnsec3.wan.': ('NXDOMAIN whose NSEC3 ends at the hash of the name asked',
                      ('gone.badnsec3.wan.', 'A')),
    'badwild.lab.': ('wildcard expansion with no NSEC proving the name absent',
                     ('gone.wild.badwild.lab.', 'A')),
    'badwild3.wan.': ('wildcard expansion with no NSEC3 covering the next closer name',
                      ('gone.wild.badwild3.wan.', 'A')),
}

LEVELS = {
    'root': (['.'], [ROOT_ADDR]),
    'tld': (['lab.', 'wan.', 'bench.', 'plain.'], [TLD_ADDR]),
    'leaf': ([z for z in ZONES if ZONES[z][0] not in (None, '.')], [LEAF_ADDR]),
}


def www_addr(zone):
    """Each zone's www A: 198.19.<n>.1, <n> its index in ZONES."""
    return '198.19.%d.1' % list(ZONES).index(zone)


def wild_addr(zone):
    return '198.19.%d.2' % list(ZONES).index(zone)


def children(zone):
    return [z for z, spec in ZONES.items() if spec[0] == zone]


def _records(zone):
    """The zone's records before signing (fakenet._zone_text syntax)."""
    recs = []
    if zone == '.':
        recs += ['. NS a.root-servers.net.', 'a.root-servers.net. A ' + ROOT_ADDR,
                 'ns.nic.lab. A ' + TLD_ADDR]
    elif zone in LEVELS['tld'][0]:
        recs += ['@ NS ns.nic.lab.']
        if zone == 'lab.':
            recs += ['ns.nic A ' + TLD_ADDR]
    else:
        recs += ['@ NS ns.' + zone, 'ns A ' + LEAF_ADDR]
    for child in children(zone):
        if zone == '.':
            recs.append('%s NS ns.nic.lab.' % child)
        else:
            rel = child[:-len(zone) - 1]
            recs += ['%s NS ns.%s' % (rel, child), 'ns.%s A %s' % (rel, LEAF_ADDR)]
    if zone == '.':
        return recs
    recs += ['www A ' + www_addr(zone), 'www TXT "www of %s"' % zone,
             '*.wild A ' + wild_addr(zone), 'x.ent A 198.19.250.1',
             'cname CNAME www.' + zone]
    if zone == 'ec.lab.':
        recs += ['to-secure CNAME www.ed.lab.', 'to-nsec3 CNAME www.n3.wan.',
                 'to-insecure CNAME www.unsigned.lab.', 'to-bogus CNAME www.tampered.lab.',
                 'to-nxdomain CNAME nosuch.ed.lab.']
    if zone == 'plain.':
        recs += ['to-secure CNAME www.ec.lab.']
    if zone in ('badnsec.lab.', 'badnsec3.wan.'):
        recs += ['gone TXT "deleted after signing"']
    if zone in ('badwild.lab.', 'badwild3.wan.'):
        recs += ['gone.wild TXT "deleted after signing"']
    return recs


def _ds_lines(child, keys, kind):
    """The parent's DS records for a child, as the DS kind says."""
    out = []
    name = dns.name.from_text(child)
    for k in keys:
        if not k.ksk:
            continue
        tag, alg, dtype, digest = signer.ds_text(name, k).split()
        if kind == 'badtag':
            tag = str((int(tag) + 1) % 65536)
        elif kind == 'baddigest':
            digest = digest[:-8] + ('00000000' if digest[-8:] != '00000000' else '11111111')
        elif kind == 'unknownalg':
            alg = '100'
        elif kind == 'unknowndigest':
            dtype = '100'
        out.append('%s %d DS %s %s %s %s' % (child, fakenet.TTL, tag, alg, dtype, digest))
    return out


class StaticZone:
    """What fakenet.Knotd needs of a zone: origin and text."""

    def __init__(self, origin, text):
        self.origin = dns.name.from_text(origin)
        self.text = text


def build():
    """@return ({zone: StaticZone}, {zone: [signer.Key]}): every zone, signed and broken."""
    keys = {}
    for z, (_, alg, _, _) in ZONES.items():
        if alg is not None:
            keys[z] = [signer.Key(alg, ksk=True), signer.Key(alg, ksk=False)]
    out = {}
    for z, (_, alg, nsec3, _) in ZONES.items():
        mname = 'a.root-servers.net.' if z == '.' else (
            'ns.nic.lab.' if z in LEVELS['tld'][0] else 'ns.' + z)
        text = fakenet._zone_text(z, mname, _records(z))
        for child in children(z):
            kind = ZONES[child][3]
            if kind != 'none':
                text += '\n'.join(_ds_lines(child, keys[child], kind)) + '\n'
        if z == SHORT_TTL_ZONE:
            text = text.replace('www.%s %d A' % (z, fakenet.TTL), 'www.%s %d A' % (z, DAY))
        if alg is None or z == 'stripped.lab.':
            out[z] = StaticZone(z, text)
            continue
        sig_times = {}
        times = GOOD_TIMES
        if z == 'expired.lab.':
            sig_times[('www', dns.rdatatype.A)] = (NOW - 30 * DAY, NOW - DAY)
        elif z == 'future.lab.':
            sig_times[('www', dns.rdatatype.A)] = (NOW + DAY, NOW + 30 * DAY)
        elif z == SHORT_TTL_ZONE:
            times = (NOW - DAY, SHORT_EXPIRY)
        sz = signer.SignedZone(z, text, keys[z], times, nsec3=nsec3, sig_times=sig_times,
                               neg_ttl=fakenet.NEG_TTL)
        if z == 'tampered.lab.':
            sz.replace_rdata('www', dns.rdatatype.A, '198.19.99.99')
        elif z == 'nosig.lab.':
            sz.delete_rrsig('www', dns.rdatatype.A)
        elif z == 'foreignkey.lab.':
            sz.resign('www', dns.rdatatype.A, signer.Key(13, ksk=False), GOOD_TIMES)
        elif z in ('badnsec.lab.', 'badnsec3.wan.'):
            sz.delete_name('gone')
        elif z in ('badwild.lab.', 'badwild3.wan.'):
            sz.delete_name('gone.wild')
        out[z] = StaticZone(z, sz.text())
    return out, keys


def root_ds(keys):
    """The trust anchor of the fake root, one DS line."""
    return '. IN DS ' + signer.ds_text(dns.name.root, [k for k in keys['.'] if k.ksk][0])


def _ip(*args):
    subprocess.run(['ip'] + list(args), check=True, capture_output=True, timeout=10)


class SignedNet:
    """The servers: start(), stop(), counts() of queries received per knotd."""

    def __init__(self, workdir):
        self.workdir = pathlib.Path(workdir)
        t0 = time.monotonic()
        self.zones, self.keys = build()
        self.sign_secs = time.monotonic() - t0
        self.trust_anchor = root_ds(self.keys)
        self.knots = {level: fakenet.Knotd(level, self.workdir, [self.zones[o] for o in origins],
                                           addrs)
                      for level, (origins, addrs) in LEVELS.items()}
        self.started = []

    def start(self):
        for a in (ROOT_ADDR, TLD_ADDR, LEAF_ADDR):
            _ip('addr', 'add', a + '/32', 'dev', 'lo')
        try:
            for k in self.knots.values():
                k.start()
                self.started.append(k)
            for k in self.knots.values():
                k.wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self):
        for k in reversed(self.started):
            k.stop()
        self.started = []

    def counts(self):
        return {name: k.queries() for name, k in self.knots.items()}

    def upstream_since(self, before):
        after = self.counts()
        return {k: after[k] - before[k] for k in after if after[k] != before[k]}
