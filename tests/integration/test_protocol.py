# SPDX-License-Identifier: GPL-3.0-or-later
"""Protocol corners: opcodes, EDNS, classes, zone transfers, truncation."""
import ipaddress
import os
import signal
import socket

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

from conftest import frame, make_query, tcp_read_msg

BIG_A = ['10.0.%d.%d' % (i // 200, i % 200 + 1) for i in range(60)]
BIG_AAAA = [str(ipaddress.IPv6Address('2001:db8::') + i + 1) for i in range(60)]
# One hints.set() per address (a single call takes at most 16 addresses).
CONFIG = ("hints.set('www.lab 192.0.2.1')\n"
          "for _, a in ipairs({%s}) do hints.set('big.lab ' .. a) end\n"
          "for _, a in ipairs({%s}) do hints.set('big6.lab ' .. a) end\n"
          % (', '.join("'%s'" % a for a in BIG_A), ', '.join("'%s'" % a for a in BIG_AAAA)))


def rdata(r):
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset)


def check_header(q, r, rcode):
    assert r.id == q.id
    assert r.flags & dns.flags.QR
    assert r.rcode() == rcode, dns.rcode.to_text(r.rcode())
    assert r.opcode() == q.opcode()
    assert r.question == q.question


@pytest.mark.parametrize('opcode', [dns.opcode.IQUERY, dns.opcode.STATUS, dns.opcode.NOTIFY,
                                    dns.opcode.UPDATE, 3, 15])
@pytest.mark.parametrize('proto', ['udp', 'tcp'])
def test_other_opcodes_notimp(kresd, opcode, proto):
    k = kresd(CONFIG)
    q = make_query('www.lab.', 'SOA' if opcode == dns.opcode.NOTIFY else 'A')
    q.flags = (q.flags & ~0x7800) | (int(opcode) << 11)
    wire = q.to_wire()
    if proto == 'udp':
        reply = k.raw_udp(wire)
    else:
        with k.tcp_connect() as s:
            s.sendall(frame(wire))
            reply = tcp_read_msg(s)
    assert reply is not None
    # Parsed by hand: dnspython rejects the unassigned opcodes.
    rid, flags = reply[0:2], int.from_bytes(reply[2:4], 'big')
    assert rid == wire[0:2]
    assert flags & 0x8000, 'QR'
    assert (flags >> 11) & 0xf == int(opcode), 'opcode echoed'
    assert flags & 0xf == dns.rcode.NOTIMP
    assert int.from_bytes(reply[6:8], 'big') == 0, 'no answer records'


def test_edns_version_1_badvers(kresd):
    k = kresd(CONFIG)
    q = make_query('www.lab.', 'A', use_edns=0)
    q.use_edns(1, 0, 1232)
    r = k.udp(q)
    check_header(q, r, dns.rcode.BADVERS)
    assert r.rcode() == 16
    assert r.edns == 0, 'answered with our version, 0'
    assert r.answer == []
    q.use_edns(255, 0, 1232)
    check_header(q, k.tcp(q), dns.rcode.BADVERS)


def test_edns_answers(kresd):
    k = kresd(CONFIG)
    # No EDNS in the query: none in the answer.
    q = make_query('www.lab.', 'A')
    r = k.udp(q)
    check_header(q, r, dns.rcode.NOERROR)
    assert r.edns == -1
    # EDNS: our buffer size (1232 by default), version 0; DO echoed when set, only then.
    for do in (False, True):
        q = make_query('www.lab.', 'A', use_edns=0, payload=4096, want_dnssec=do)
        for r in (k.udp(q), k.tcp(q)):
            check_header(q, r, dns.rcode.NOERROR)
            assert r.edns == 0
            assert r.payload == 1232
            assert bool(r.ednsflags & dns.flags.DO) == do
            assert rdata(r) == ['192.0.2.1']
    # An unknown EDNS option is ignored, not echoed.
    q = make_query('www.lab.', 'A', use_edns=0)
    q.use_edns(0, 0, 1232, options=[dns.edns.GenericOption(65001, b'xyz')])
    r = k.udp(q)
    check_header(q, r, dns.rcode.NOERROR)
    assert all(o.otype != 65001 for o in r.options)


def test_bufsize_setting(kresd):
    k = kresd(CONFIG + 'net.bufsize(4096)\n')
    q = make_query('www.lab.', 'A', use_edns=0, payload=1232)
    r = k.udp(q)
    assert r.payload == 4096


def test_edns_on_errors(kresd):
    """Error answers carry OPT too when the query had it."""
    k = kresd(CONFIG)
    q = make_query('nothere.lab.', 'A', use_edns=0, want_dnssec=True)
    r = k.udp(q)
    check_header(q, r, dns.rcode.SERVFAIL)
    assert r.edns == 0 and r.ednsflags & dns.flags.DO


@pytest.mark.parametrize('rdclass,rdtype', [('CH', 'TXT'), ('CH', 'A'), ('ANY', 'A'), ('HS', 'A'),
                                            ('NONE', 'A'), (1234, 'A')])
def test_classes_refused(kresd, rdclass, rdtype):
    k = kresd(CONFIG)
    name = 'version.bind.' if rdclass == 'CH' else 'www.lab.'
    q = make_query(name, rdtype, rdclass=rdclass, use_edns=0)
    for r in (k.udp(q), k.tcp(q)):
        check_header(q, r, dns.rcode.REFUSED)
        assert r.answer == []
        assert r.edns == 0


@pytest.mark.parametrize('rdtype', ['AXFR', 'IXFR'])
def test_zone_transfer_notimp(kresd, rdtype):
    k = kresd(CONFIG)
    q = make_query('lab.', rdtype)
    check_header(q, k.tcp(q), dns.rcode.NOTIMP)
    check_header(q, k.udp(q), dns.rcode.NOTIMP)


def test_meta_qtypes_formerr(kresd):
    k = kresd(CONFIG)
    for rdtype in ('OPT', 'TSIG'):
        q = make_query('www.lab.', rdtype)
        check_header(q, k.udp(q), dns.rcode.FORMERR)


def test_truncation(kresd):
    """60 A records (about 1 kB) do not fit 512 bytes: TC over UDP, everything over TCP."""
    k = kresd(CONFIG)
    q = make_query('big.lab.', 'A')
    r = k.udp(q)
    check_header(q, r, dns.rcode.NOERROR)
    assert r.flags & dns.flags.TC
    assert r.answer == [] and r.additional == []
    r = k.tcp(q)
    check_header(q, r, dns.rcode.NOERROR)
    assert not r.flags & dns.flags.TC
    assert rdata(r) == sorted(BIG_A)
    # With EDNS 1232 the A records fit; the AAAA ones (about 1.7 kB) do not.
    q = make_query('big.lab.', 'A', use_edns=0, payload=1232)
    r = k.udp(q)
    assert not r.flags & dns.flags.TC and rdata(r) == sorted(BIG_A)
    q = make_query('big6.lab.', 'AAAA', use_edns=0, payload=4096)
    r = k.udp(q)
    check_header(q, r, dns.rcode.NOERROR)
    assert r.flags & dns.flags.TC, 'the client may take 4096, but our buffer size is 1232'
    assert r.answer == [] and r.edns == 0, 'a truncated answer keeps its OPT'
    r = k.tcp(q)
    assert not r.flags & dns.flags.TC and rdata(r) == sorted(BIG_AAAA)
    # A client advertising less than 512 gets 512.
    q = make_query('big.lab.', 'A', use_edns=0, payload=100)
    r = k.udp(q)
    assert r.flags & dns.flags.TC


def test_truncation_bufsize_4096(kresd):
    k = kresd(CONFIG + 'net.bufsize(4096)\n')
    q = make_query('big6.lab.', 'AAAA', use_edns=0, payload=4096)
    r = k.udp(q)
    assert not r.flags & dns.flags.TC
    assert rdata(r) == sorted(BIG_AAAA)
    q = make_query('big6.lab.', 'AAAA', use_edns=0, payload=1232)
    assert k.udp(q).flags & dns.flags.TC, "the client's smaller size wins"


def test_udp_burst_every_client_gets_its_answers(kresd):
    """Queries waiting together are read in one batch (recvmmsg) and their answers
    leave together (sendmmsg): each client still gets exactly its own answers."""
    names = 60
    k = kresd("for i = 0, %d do hints.set('n' .. i .. '.lab 10.1.0.' .. (i + 1)) end\n" % (names - 1))
    clients = [socket.socket(socket.AF_INET if i % 2 == 0 else socket.AF_INET6, socket.SOCK_DGRAM)
               for i in range(6)]
    sent = {}
    os.kill(k.pid, signal.SIGSTOP)   # the datagrams pile up in the socket meanwhile
    try:
        for i in range(names):
            c = clients[i % len(clients)]
            q = make_query('n%d.lab.' % i)
            q.id = 1000 + i
            c.sendto(q.to_wire(), (k.addr if c.family == socket.AF_INET else k.addr6, k.port))
            sent.setdefault(c, {})[q.id] = i
    finally:
        os.kill(k.pid, signal.SIGCONT)
    for c, ids in sent.items():
        c.settimeout(5)
        got = {}
        for _ in ids:
            r = dns.message.from_wire(c.recv(4096))
            assert r.id in ids and r.id not in got, 'an answer of another client, or twice'
            got[r.id] = r
        for rid, i in ids.items():
            r = got[rid]
            assert r.question[0].name.to_text() == 'n%d.lab.' % i
            assert rdata(r) == ['10.1.0.%d' % (i + 1)]
        c.settimeout(0.3)
        with pytest.raises(socket.timeout):
            c.recv(4096)
        c.close()
