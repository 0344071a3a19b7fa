# SPDX-License-Identifier: GPL-3.0-or-later
"""
RFC 5011 automated trust-anchor updates (the ta_update module with
trust_anchors.add_file): a root of its own, served by a Python server that
the test re-keys while kresd runs, with hold-down and refresh timers of a few
seconds. The key file on disk must tell each key's state, and a kresd started
again from it must trust the new key alone.
"""
import copy
import re
import time

import dns.dnssec
import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

import fakenet
import signer
import signednet
from conftest import ask

ADDR = '198.51.100.53'   # the re-keyed root (TEST-NET-2), beside the signed fake Internet
ROOT_TEXT = ('. 3600 IN SOA a.root-servers.net. admin. 1 3600 600 86400 300\n'
             '. 3600 IN NS a.root-servers.net.\n'
             'a.root-servers.net. 3600 IN A %s\n' % ADDR)
STATES = {'1': 'ADDPEND', '2': 'VALID', '3': 'MISSING', '4': 'REVOKED', '5': 'REMOVED'}


class RootServer(fakenet.PyServer):
    """Answers from a signed zone with the RRSIGs of each RR set; `zone` may be swapped."""

    def __init__(self, zone):
        super().__init__('rekeyed-root', [ADDR])
        self.zone = zone

    def handle(self, proto, sock, q, peer):
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        name, qtype = q.question[0].name, q.question[0].rdtype
        node = self.zone.zone.get_node(name)
        rds = node.get_rdataset(dns.rdataclass.IN, qtype) if node else None
        if rds is None:
            soa = self.zone.zone.get_rdataset(self.zone.origin, dns.rdatatype.SOA)
            r.authority.append(dns.rrset.from_rdata_list(self.zone.origin, soa.ttl, soa))
        else:
            r.answer.append(dns.rrset.from_rdata_list(name, rds.ttl, rds))
            sigs = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG, qtype)
            if sigs is not None and q.ednsflags & dns.flags.DO:
                r.answer.append(dns.rrset.from_rdata_list(name, sigs.ttl, sigs))
        self.send(proto, sock, r.to_wire(), peer)


def revoked(key):
    """The same key with the REVOKE bit (RFC 5011 section 3): another DNSKEY, another tag."""
    k = copy.copy(key)
    flags = dns.dnssec.Flag.ZONE | dns.dnssec.Flag.SEP | dns.dnssec.Flag.REVOKE
    k.dnskey = dns.dnssec.make_dnskey(key.priv.public_key(), key.alg, flags=flags)
    k.tag = dns.dnssec.key_id(k.dnskey)
    return k


def root_zone(keys):
    return signer.SignedZone('.', ROOT_TEXT, keys, signednet.GOOD_TIMES)


def file_states(path):
    """{key tag: state name} from the key file's comments."""
    out = {}
    for line in path.read_text().splitlines():
        m = re.search(r';\{id = (\d+).*;;state=(\d)', line)
        if m:
            out[int(m.group(1))] = STATES[m.group(2)]
    return out


def wait_states(k, path, want, timeout=15.0):
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        got = file_states(path) if path.exists() else None
        if got == want:
            return
        time.sleep(0.2)
    log = [line for line in k.stderr().splitlines() if any(w in line for w in ('[ta]', 'error', 'bogus', 'lame', 'usable'))]
    raise AssertionError('key file states %s, expected %s; file:\n%s\nkresd:\n%s' % (
        got, want, path.read_text() if path.exists() else '(none)', '\n'.join(log[-30:])))


def test_rfc5011_roll(kresd, tmp_path):
    ksk1, ksk2, zsk = signer.Key(13, ksk=True), signer.Key(13, ksk=True), signer.Key(13, ksk=False)
    server = RootServer(root_zone([ksk1, zsk]))
    fakenet._ip('addr', 'add', ADDR + '/32', 'dev', 'lo')
    server.start()
    keyfile = tmp_path / 'root.keys'
    keyfile.write_text('. 3600 IN DS ' + signer.ds_text('.', ksk1) + '\n')
    config = ("verbose(true)\n"
              "hints.root({['a.root-servers.net.'] = '%s'})\n"
              "trust_anchors.hold_down_time = 2 * sec\n"
              "trust_anchors.refresh_time = 1 * sec\n"
              "trust_anchors.add_file('%s')\n" % (ADDR, keyfile))
    try:
        k = kresd(config)
        # The DS of the file becomes the validated key, kept as a DNSKEY.
        wait_states(k, keyfile, {ksk1.tag: 'VALID'})
        # A new key: pending for the hold-down time, then valid.
        server.zone = root_zone([ksk1, ksk2, zsk])
        wait_states(k, keyfile, {ksk1.tag: 'VALID', ksk2.tag: 'ADDPEND'}, timeout=5)
        wait_states(k, keyfile, {ksk1.tag: 'VALID', ksk2.tag: 'VALID'})
        # The old key revoked (self-signed with the REVOKE bit): revoked, then removed.
        server.zone = root_zone([revoked(ksk1), ksk2, zsk])
        wait_states(k, keyfile, {ksk1.tag: 'REVOKED', ksk2.tag: 'VALID'}, timeout=5)
        wait_states(k, keyfile, {ksk2.tag: 'VALID'})
        # Another kresd started from the file (read only: the first one keeps it) trusts
        # the new key alone: the root signed by it alone validates.
        server.zone = root_zone([ksk2, zsk])
        k2 = kresd("hints.root({['a.root-servers.net.'] = '%s'})\n"
                   "trust_anchors.add_file('%s', true)\n" % (ADDR, keyfile))
        r = ask(k2, '.', 'SOA')
        assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AD, r
        assert k.proc.poll() is None
    finally:
        server.stop()
        fakenet._ip('addr', 'del', ADDR + '/32', 'dev', 'lo')


def test_readonly_file_is_not_touched(kresd, tmp_path):
    ksk1, zsk = signer.Key(13, ksk=True), signer.Key(13, ksk=False)
    server = RootServer(root_zone([ksk1, zsk]))
    fakenet._ip('addr', 'add', ADDR + '/32', 'dev', 'lo')
    server.start()
    keyfile = tmp_path / 'root.keys'
    text = '. 3600 IN DS ' + signer.ds_text('.', ksk1) + '\n'
    keyfile.write_text(text)
    try:
        k = kresd("hints.root({['a.root-servers.net.'] = '%s'})\n"
                  "trust_anchors.refresh_time = 1 * sec\n"
                  "trust_anchors.add_file('%s', true)\n" % (ADDR, keyfile))
        r = ask(k, '.', 'SOA')
        assert r.flags & dns.flags.AD, r
        time.sleep(2.5)
        assert keyfile.read_text() == text
    finally:
        server.stop()
        fakenet._ip('addr', 'del', ADDR + '/32', 'dev', 'lo')
