# SPDX-License-Identifier: GPL-3.0-or-later
"""
Signs the bench's fake Internet (bench.py's zones()) for validation runs:
every zone gets a KSK and a ZSK of algorithm 13 (ECDSA P-256), an NSEC chain
and one RRSIG per RR set; each parent gets its children's DS; the root's KSK
gives the trust anchor that all three resolvers are configured with.

The small zones (root, TLDs) are signed by tests/dnssec/signer.py's
SignedZone. The 100k-name zone is too slow for it (dnspython parses and
builds every record as an object: about 460 us per name, 46 s for 100k
names, of which the ECDSA signatures are a sixth), so `sign_flat()` signs it
from the bench's own one-line records with signer.Key and the same RFC 4034
rules, building the canonical wire by hand (A records, and any other type
through dnspython, which only the apex and glue use). `spot_check()` then
verifies a sample of its signatures with dnspython's validator, so a mistake
here fails before any resolver starts.
"""
import base64
import pathlib
import random
import socket
import struct
import sys
import time

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / 'dnssec'))
import signer  # noqa: E402  (tests/dnssec/signer.py)

IN = dns.rdataclass.IN
T = dns.rdatatype
ALG = 13
DAY = 86400
DS_TTL = 86400


def parent_of(origin):
    return '.' if origin.count('.') == 1 else origin.split('.', 1)[1]


def _wire(name):
    """Uncompressed, lower-cased wire form of an absolute ASCII name (no escapes)."""
    if name == '.':
        return b'\0'
    return b''.join(bytes([len(l)]) + l for l in name.lower().rstrip('.').encode().split(b'.')) + b'\0'


def _labels(name):
    if name == '.':
        return 0
    parts = name.rstrip('.').split('.')
    return len(parts) - (1 if parts[0] == '*' else 0)


def _canon_key(name):
    """RFC 4034 6.1 canonical order for ASCII names without escapes."""
    return tuple(reversed(name.lower().rstrip('.').encode().split(b'.'))) if name != '.' else ()


def _stamp(t):
    return time.strftime('%Y%m%d%H%M%S', time.gmtime(t))


def sign_flat(origin, lines, keys, times, neg_ttl=300):
    """
    Sign a zone given as one-line records 'owner ttl TYPE rdata' (absolute owners,
    as bench.py writes them). @return the signed zone as text (one record a line).
    """
    inc, exp = times
    ksks = [k for k in keys if k.ksk] or keys
    zsks = [k for k in keys if not k.ksk] or keys
    origin_w = _wire(origin)
    stamps = '%s %s' % (_stamp(exp), _stamp(inc))
    # owner -> {type: [ttl, [(wire, text)]]}
    names = {}
    for line in lines:
        owner, ttl, rtype, rdata = line.split(None, 3)
        owner = owner.lower()
        t = T.from_text(rtype)
        if t == T.A:
            wire = socket.inet_aton(rdata)
        else:
            rd = dns.rdata.from_text(IN, t, rdata)
            wire, rdata = rd.to_digestable(), rd.to_text()
        names.setdefault(owner, {}).setdefault(t, [int(ttl), []])[1].append((wire, rdata))
    names[origin][T.DNSKEY] = [3600, [(k.dnskey.to_digestable(), k.dnskey.to_text()) for k in keys]]
    cuts = {n for n, rr in names.items() if n != origin and T.NS in rr}

    def below_cut(n):
        while n != origin:
            n = parent_of(n)
            if n in cuts:
                return True
        return False
    chain = sorted((n for n in names if not below_cut(n)), key=_canon_key)
    auth = set(chain)
    # NSEC chain: one per authoritative name (delegation points included, glue not);
    # the type bitmap's wire and text made once per set of types
    bitmaps = {}
    for i, n in enumerate(chain):
        nxt = chain[(i + 1) % len(chain)]
        types = tuple(sorted(set(names[n]) | {T.RRSIG, T.NSEC}))
        if types not in bitmaps:
            text = ' '.join(T.to_text(t) for t in types)
            rd = dns.rdata.from_text(IN, T.NSEC, '. ' + text)
            bitmaps[types] = (rd.to_digestable()[1:], text)
        bits, text = bitmaps[types]
        names[n][T.NSEC] = [neg_ttl, [(_wire(nxt) + bits, '%s %s' % (nxt, text))]]
    out = []
    for n in sorted(names, key=_canon_key):
        owner_w, labels = _wire(n), _labels(n)
        for t, (ttl, rdatas) in sorted(names[n].items(), key=lambda kv: kv[0] != T.SOA):
            tname = T.to_text(t)
            for _, text in rdatas:
                out.append('%s %d IN %s %s' % (n, ttl, tname, text))
            if n not in auth or (n in cuts and t not in (T.DS, T.NSEC)):
                continue   # glue and delegation NS: not signed
            head = owner_w + struct.pack('!HHI', t, IN, ttl)
            body = b''
            last = None
            for w in sorted(w for w, _ in rdatas):
                if w != last:
                    body += head + struct.pack('!H', len(w)) + w
                last = w
            for k in (ksks if t == T.DNSKEY else zsks):
                data = struct.pack('!HBBIIIH', t, k.alg, labels, ttl, exp, inc, k.tag) + origin_w + body
                sig = base64.b64encode(k.sign_data(data)).decode()
                out.append('%s %d IN RRSIG %s %d %d %d %s %d %s %s' % (
                    n, ttl, tname, k.alg, labels, ttl, stamps, k.tag, origin, sig))
    return '\n'.join(out) + '\n'


def spot_check(origin, text, keys, samples=20, now=None):
    """Verify the signatures of the apex and of `samples` random names (and of their NSEC)
    with dnspython's validator. Raises dns.dnssec.ValidationFailure on a bad one."""
    lines = text.splitlines()
    by_owner = {}
    for line in lines:
        by_owner.setdefault(line.split(None, 1)[0], []).append(line)
    owners = sorted(by_owner)
    pick = [origin] + random.Random(1).sample(owners, min(samples, len(owners)))
    keyset = {dns.name.from_text(origin): dns.rrset.from_rdata(
        dns.name.from_text(origin), 3600, *[k.dnskey for k in keys])}
    checked = 0
    for owner in pick:
        z = dns.zone.from_text('\n'.join(by_owner[owner]), origin=origin, relativize=False,
                               check_origin=False)
        node = z.find_node(owner)
        for rds in node.rdatasets:
            if rds.rdtype == T.RRSIG:
                continue
            sigs = node.get_rdataset(IN, T.RRSIG, rds.rdtype)
            if sigs is None:
                continue    # glue, delegation NS
            rrset = dns.rrset.from_rdata_list(dns.name.from_text(owner), rds.ttl, list(rds))
            sigset = dns.rrset.from_rdata_list(dns.name.from_text(owner), sigs.ttl, list(sigs))
            dns.dnssec.validate(rrset, sigset, keyset, now=now)
            checked += 1
    return checked


def sign_net(zones, big, now=None):
    """
    Sign every zone of `zones` ({origin: [one-line records]}); `big` is the origin
    signed with sign_flat(). @return ({origin: [lines]}, root DS line, {what: seconds}).
    """
    now = int(time.time()) if now is None else now
    times = (now - DAY, now + 30 * DAY)
    t0 = time.monotonic()
    keys = {o: [signer.Key(ALG, ksk=True), signer.Key(ALG, ksk=False)] for o in zones}
    out, secs = {}, {}
    for origin, lines in zones.items():
        lines = list(lines)
        for child in zones:
            if child != origin and parent_of(child) == origin:
                ksk = [k for k in keys[child] if k.ksk][0]
                lines.append('%s %d DS %s' % (child, DS_TTL,
                                              signer.ds_text(dns.name.from_text(child), ksk)))
        t1 = time.monotonic()
        if origin == big:
            text = sign_flat(origin, lines, keys[origin], times)
            secs['sign_big'] = time.monotonic() - t1
            t2 = time.monotonic()
            spot_check(origin, text, keys[origin], now=now)
            secs['spot_check'] = time.monotonic() - t2
        else:
            text = signer.SignedZone(origin, '\n'.join(lines) + '\n', keys[origin], times).text()
        out[origin] = text.splitlines()
    root_ksk = [k for k in keys['.'] if k.ksk][0]
    ta = '. IN DS ' + signer.ds_text(dns.name.root, root_ksk)
    secs['sign_all'] = time.monotonic() - t0
    return out, ta, secs
