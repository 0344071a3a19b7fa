# SPDX-License-Identifier: GPL-3.0-or-later
"""
The view plugin: clients chosen by source address (longest prefix first) and by
TSIG key name. kresd listens on 127.0.0.1; queries leave from 127.0.0.1 or
127.0.0.2 (both local in 127.0.0.0/8) or from ::1.
"""
import socket

import dns.message
import dns.rcode
import dns.tsigkeyring

from conftest import make_query


def addresses(r):
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset)


def udp_from(k, q, src, timeout=2.0):
    fam = socket.AF_INET6 if ':' in src else socket.AF_INET
    dst = k.addr6 if fam == socket.AF_INET6 else k.addr
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.bind((src, 0))
        s.settimeout(timeout)
        s.sendto(q.to_wire(), (dst, k.port))
        return dns.message.from_wire(s.recv(65535), ignore_trailing=True, keyring=False)


VIEWS = """\
modules.load('view')
hints['www.lab'] = '192.0.2.1'
hints['blocked.lab'] = '192.0.2.2'
view:addr('127.0.0.1', policy.all(policy.PASS))
view:addr('127.0.0.0/8', policy.suffix(policy.DENY, {todname('blocked.lab')}))
view:addr('127.0.0.0/24', policy.suffix(policy.PASS, {todname('www.lab')}))
view:addr('0.0.0.0/0', policy.all(policy.REFUSE))
view:addr('::/0', policy.all(policy.REFUSE))
view:tsig('\\5mykey', policy.all(policy.DENY))
"""


def test_addr(kresd):
    k = kresd(VIEWS)
    # 127.0.0.1: its /32 view passes everything.
    assert addresses(udp_from(k, make_query('www.lab.', 'A'), '127.0.0.1')) == ['192.0.2.1']
    assert addresses(udp_from(k, make_query('blocked.lab.', 'A'), '127.0.0.1')) == ['192.0.2.2']
    # 127.0.0.2: /24 passes www.lab; blocked.lab falls through to the /8 view; others to 0/0.
    assert addresses(udp_from(k, make_query('www.lab.', 'A'), '127.0.0.2')) == ['192.0.2.1']
    r = udp_from(k, make_query('blocked.lab.', 'A'), '127.0.0.2')
    assert r.rcode() == dns.rcode.NXDOMAIN
    r = udp_from(k, make_query('localhost.', 'A'), '127.0.0.2')
    assert r.rcode() == dns.rcode.REFUSED and not r.answer
    # 127.0.1.1 is outside the /24: refused for www.lab too.
    r = udp_from(k, make_query('www.lab.', 'A'), '127.0.1.1')
    assert r.rcode() == dns.rcode.REFUSED
    # IPv6 client ::1 matches ::/0 only.
    r = udp_from(k, make_query('www.lab.', 'A'), '::1')
    assert r.rcode() == dns.rcode.REFUSED
    out = k.query('www.lab.', 'A', proto='tcp')[1]   # TCP from 127.0.0.1
    assert addresses(out) == ['192.0.2.1']


def test_tsig(kresd):
    k = kresd(VIEWS)
    keyring = dns.tsigkeyring.from_text({'mykey.': 'c2VjcmV0c2VjcmV0c2VjcmV0'})
    q = make_query('www.lab.', 'A')
    q.use_tsig(keyring, keyname='mykey.')
    r = udp_from(k, q, '127.0.0.1')
    assert r.rcode() == dns.rcode.NXDOMAIN
    q = make_query('www.lab.', 'A')
    q.use_tsig(dns.tsigkeyring.from_text({'other.': 'c2VjcmV0c2VjcmV0c2VjcmV0'}), keyname='other.')
    assert addresses(udp_from(k, q, '127.0.0.1')) == ['192.0.2.1']
