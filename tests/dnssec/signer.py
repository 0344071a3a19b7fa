# SPDX-License-Identifier: GPL-3.0-or-later
"""
A small offline DNSSEC zone signer for the tests: keys (RSA, ECDSA, EdDSA from
python3-cryptography), RRSIGs, NSEC and NSEC3 chains (salt, iterations,
opt-out), DS records. Written for the test bed, where every detail must be
under control (a signature with chosen times, a record changed after
signing, a chain with a hole); it signs a few dozen small zones in well under
a second apart from RSA key generation.

Why not ldns-signzone: Debian's ldns 1.8.3 builds broken NSEC3 chains (most
names get no NSEC3 at all). Why not dns.dnssec.sign alone: dnspython 2.3 counts
the '*' label in the RRSIG labels field of a wildcard owner.
"""
import base64
import hashlib
import struct

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rrset
import dns.zone
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

IN = dns.rdataclass.IN
T = dns.rdatatype
NSEC3_HASH_SHA1 = 1


class Key:
    """A DNSSEC key pair: `dnskey` (rdata), `tag`, `alg`, `ksk` (SEP flag)."""

    def __init__(self, alg, ksk):
        self.alg = alg
        self.ksk = ksk
        if alg in (8, 10):
            self.priv = rsa.generate_private_key(65537, 2048 if ksk else 1024)
        elif alg == 13:
            self.priv = ec.generate_private_key(ec.SECP256R1())
        elif alg == 14:
            self.priv = ec.generate_private_key(ec.SECP384R1())
        elif alg == 15:
            self.priv = ed25519.Ed25519PrivateKey.generate()
        elif alg == 16:
            self.priv = ed448.Ed448PrivateKey.generate()
        else:
            raise ValueError('algorithm %d not supported by the test signer' % alg)
        flags = dns.dnssec.Flag.ZONE | (dns.dnssec.Flag.SEP if ksk else 0)
        self.dnskey = dns.dnssec.make_dnskey(self.priv.public_key(), alg, flags=flags)
        self.tag = dns.dnssec.key_id(self.dnskey)

    def sign_data(self, data):
        if self.alg in (8, 10):
            h = hashes.SHA256() if self.alg == 8 else hashes.SHA512()
            return self.priv.sign(data, padding.PKCS1v15(), h)
        if self.alg in (13, 14):
            h, size = (hashes.SHA256(), 32) if self.alg == 13 else (hashes.SHA384(), 48)
            r, s = decode_dss_signature(self.priv.sign(data, ec.ECDSA(h)))
            return r.to_bytes(size, 'big') + s.to_bytes(size, 'big')
        return self.priv.sign(data)


def rrsig_labels(owner):
    """RFC 4034 3.1.3: labels of the owner without the root and without a leading '*'."""
    n = len(owner) - 1
    return n - 1 if owner.is_wild() else n


def sign_rdataset(owner, rdataset, key, signer, inception, expiration, labels=None):
    """@return the RRSIG rdata over (owner, rdataset) made with `key` (RFC 4034 3.1.8.1)."""
    template = dns.rdata.from_text(IN, T.RRSIG, '%s %d %d %d %d %d %d %s AA==' % (
        T.to_text(rdataset.rdtype), key.alg, rrsig_labels(owner) if labels is None else labels,
        rdataset.ttl, expiration, inception, key.tag, signer.to_text()))
    data = template.to_wire(origin=None)[:18] + signer.canonicalize().to_wire()
    head = owner.canonicalize().to_wire() + struct.pack('!HHI', rdataset.rdtype, IN, rdataset.ttl)
    wires = sorted(rd.to_digestable() for rd in rdataset)
    for i, w in enumerate(wires):
        if i and w == wires[i - 1]:
            continue
        data += head + struct.pack('!H', len(w)) + w
    return template.replace(signature=key.sign_data(data))


def ds_text(owner, key, digest=2):
    return dns.dnssec.make_ds(owner, key.dnskey, digest).to_text()


def nsec3_hash(name, salt_hex, iterations):
    salt = bytes.fromhex(salt_hex) if salt_hex not in ('', '-') else b''
    h = name.canonicalize().to_wire()
    for _ in range(iterations + 1):
        h = hashlib.sha1(h + salt).digest()
    return base64.b32encode(h).decode().translate(
        str.maketrans('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', '0123456789ABCDEFGHIJKLMNOPQRSTUV')).lower()


class SignedZone:
    """
    A zone signed from text. Options:
      nsec3 = None or (salt_hex or '-', iterations, opt_out)
      times = (inception, expiration) for every signature
      sig_times = {(relative owner, type): (inception, expiration)} for chosen RRsets
    After signing, `zone` (dns.zone.Zone, absolute names) can be changed by the
    test bed before `text()` writes it out.
    """

    def __init__(self, origin, text, keys, times, nsec3=None, sig_times=None, neg_ttl=300):
        self.origin = dns.name.from_text(origin)
        self.keys = keys
        self.nsec3 = nsec3
        self.zone = dns.zone.from_text(text, origin=self.origin, relativize=False,
                                       check_origin=True)
        apex = self.zone.find_node(self.origin)
        keyset = apex.find_rdataset(IN, T.DNSKEY, create=True)
        keyset.update_ttl(3600)
        for k in keys:
            keyset.add(k.dnskey, 3600)
        self.neg_ttl = neg_ttl
        self._chain()
        self._sign(times, {(dns.name.from_text(n, self.origin), t): v
                           for (n, t), v in (sig_times or {}).items()})

    # which names are authoritative data, which are delegations
    def _classify(self):
        nodes = {n: node for n, node in self.zone.nodes.items()}
        cuts = {n for n, node in nodes.items()
                if n != self.origin and node.get_rdataset(IN, T.NS)}

        def below_cut(n):
            p = n
            while p != self.origin:
                p = p.parent()
                if p in cuts:
                    return True
            return False
        auth = sorted(n for n in nodes if not below_cut(n))
        return nodes, cuts, auth

    def _chain(self):
        nodes, cuts, auth = self._classify()
        if self.nsec3 is None:
            for i, n in enumerate(auth):
                nxt = auth[(i + 1) % len(auth)]
                types = {rds.rdtype for rds in nodes[n].rdatasets} | {T.RRSIG, T.NSEC}
                rd = dns.rdata.from_text(IN, T.NSEC, '%s %s' % (
                    nxt.to_text(), ' '.join(T.to_text(t) for t in sorted(types))))
                self.zone.find_rdataset(n, T.NSEC, create=True).add(rd, self.neg_ttl)
            return
        salt, iterations, opt_out = self.nsec3
        insecure = {c for c in cuts if not nodes[c].get_rdataset(IN, T.DS)}
        owners = {}
        for n in auth:
            if opt_out and n in insecure:
                continue
            types = {rds.rdtype for rds in nodes[n].rdatasets}
            if n not in insecure:
                types.add(T.RRSIG)
            if n == self.origin:
                types.add(T.NSEC3PARAM)
            owners[n] = types
            p = n
            while p != self.origin:        # empty non-terminals
                p = p.parent()
                owners.setdefault(p, set())
        hashed = sorted((nsec3_hash(n, salt, iterations), types) for n, types in owners.items())
        flags = 1 if opt_out else 0
        for i, (h, types) in enumerate(hashed):
            nxt = hashed[(i + 1) % len(hashed)][0]
            rd = dns.rdata.from_text(IN, T.NSEC3, '1 %d %d %s %s %s' % (
                flags, iterations, salt, nxt, ' '.join(T.to_text(t) for t in sorted(types))))
            owner = dns.name.from_text(h, self.origin)
            self.zone.find_rdataset(owner, T.NSEC3, create=True).add(rd, self.neg_ttl)
        self.zone.find_rdataset(self.origin, T.NSEC3PARAM, create=True).add(
            dns.rdata.from_text(IN, T.NSEC3PARAM, '1 0 %d %s' % (iterations, salt)), 3600)

    def _sign(self, times, sig_times):
        nodes, cuts, auth = self._classify()
        ksks = [k for k in self.keys if k.ksk] or self.keys
        zsks = [k for k in self.keys if not k.ksk] or self.keys
        for n in auth:
            node = nodes[n]
            for rds in list(node.rdatasets):
                if rds.rdtype == T.RRSIG:
                    continue
                if n in cuts and rds.rdtype not in (T.DS, T.NSEC, T.NSEC3):
                    continue
                inc, exp = sig_times.get((n, rds.rdtype), times)
                sigs = node.find_rdataset(IN, T.RRSIG, rds.rdtype, create=True)
                for k in (ksks if rds.rdtype == T.DNSKEY else zsks):
                    sigs.add(sign_rdataset(n, rds, k, self.origin, inc, exp), rds.ttl)

    def text(self):
        lines = []
        for n in sorted(self.zone.nodes):
            for rds in sorted(self.zone.nodes[n].rdatasets, key=lambda r: r.rdtype != T.SOA):
                for rd in rds:
                    lines.append('%s %d IN %s %s' % (n.to_text(), rds.ttl,
                                                     T.to_text(rds.rdtype), rd.to_text()))
        return '\n'.join(lines) + '\n'

    # --- changes after signing -------------------------------------------
    def name(self, rel):
        return dns.name.from_text(rel, self.origin)

    def delete_name(self, rel):
        """Remove a name with all its records (and its NSEC3, if any) after signing."""
        n = self.name(rel)
        self.zone.delete_node(n)
        if self.nsec3:
            salt, iterations, _ = self.nsec3
            self.zone.delete_node(dns.name.from_text(nsec3_hash(n, salt, iterations), self.origin))

    def delete_rrsig(self, rel, rdtype):
        self.zone.find_node(self.name(rel)).delete_rdataset(IN, T.RRSIG, rdtype)

    def resign(self, rel, rdtype, key, times):
        """Replace the RRSIGs of an RRset with one made by `key` (which may be foreign)."""
        n = self.name(rel)
        node = self.zone.find_node(n)
        rds = node.find_rdataset(IN, rdtype)
        node.delete_rdataset(IN, T.RRSIG, rdtype)
        node.find_rdataset(IN, T.RRSIG, rdtype, create=True).add(
            sign_rdataset(n, rds, key, self.origin, *times), rds.ttl)

    def replace_rdata(self, rel, rdtype, new_text):
        rds = self.zone.find_rdataset(self.name(rel), rdtype)
        ttl = rds.ttl
        rds.clear()
        rds.add(dns.rdata.from_text(IN, rdtype, new_text), ttl)
