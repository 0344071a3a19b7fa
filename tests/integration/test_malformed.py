# SPDX-License-Identifier: GPL-3.0-or-later
"""Malformed client messages over UDP and TCP: FORMERR with the same ID, or silence; never a crash."""
import random
import socket
import struct
import time

import dns.exception
import dns.message
import dns.rcode
import pytest

from conftest import frame, make_query, tcp_read_msg, wait_closed

CONFIG = "hints.set('www.lab 192.0.2.1')\n"


def header(qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack('!6H', qid, flags, qd, an, ns, ar)


QUESTION_TAIL = struct.pack('!HH', 1, 1)   # type A, class IN
OPT_RR = b'\x00' + struct.pack('!HHIH', 41, 1232, 0, 0)
LONG_NAME = b''.join(b'\x3f' + b'a' * 63 for _ in range(4)) + b'\x00'   # 4 * 64 + 1 = 257 bytes


def good_question():
    return b'\x03www\x03lab\x00' + QUESTION_TAIL


# name -> wire of a message that must get FORMERR (or no answer)
MALFORMED = {
    'no-question': header(qd=1),
    'truncated-question': header(qd=1) + b'\x03www\x03la',
    'question-without-type': header(qd=1) + b'\x03www\x03lab\x00\x00',
    'compression-loop': header(qd=1) + b'\xc0\x0c' + QUESTION_TAIL,
    'compression-loop-2': header(qd=1) + b'\x01a\xc0\x0e\x01b\xc0\x0c' + QUESTION_TAIL,
    'pointer-forward': header(qd=1) + b'\xc0\x20' + QUESTION_TAIL + b'\x00' * 20,
    'pointer-out-of-packet': header(qd=1) + b'\xc3\xff' + QUESTION_TAIL,
    'label-64': header(qd=1) + b'\x40' + b'a' * 64 + b'\x00' + QUESTION_TAIL,
    'label-type-10': header(qd=1) + b'\x80\x00' + QUESTION_TAIL,
    'name-over-255': header(qd=1) + LONG_NAME + QUESTION_TAIL,
    'ancount-65535': header(qd=1, an=65535) + good_question(),
    'arcount-1-missing': header(qd=1, ar=1) + good_question(),
    'opt-twice': header(qd=1, ar=2) + good_question() + OPT_RR + OPT_RR,
    'opt-not-root': header(qd=1, ar=1) + good_question() + b'\x01x\x00' + OPT_RR[1:],
    'trailing-garbage': header(qd=1) + good_question() + b'\xde\xad',
    'rdlength-past-end': header(qd=1, ar=1) + good_question() + b'\x00' + struct.pack('!HHIH', 41, 1232, 0, 50),
}
# Well-formed wire syntax, but not a query kresd can answer: FORMERR all the same.
SEMANTIC = {
    'qdcount-2': header(qd=2) + good_question() + good_question(),
    'qdcount-0': header(qd=0),
    'qtype-OPT': header(qd=1) + b'\x03www\x03lab\x00' + struct.pack('!HH', 41, 1),
}
SHORT = [b'', b'\x12'] + [bytes(range(1, n + 1)) for n in range(2, 12)]


def reply_header(reply):
    """(id, qr, opcode, rcode) of a reply, parsed by hand (dnspython rejects unknown opcodes)."""
    assert len(reply) >= 12, reply
    rid, flags = struct.unpack('!HH', reply[:4])
    return rid, bool(flags & 0x8000), (flags >> 11) & 0xf, flags & 0xf


def is_formerr_for(wire, reply):
    rid, qr, opcode, rcode = reply_header(reply)
    return rid == struct.unpack('!H', wire[:2])[0] and qr and rcode == dns.rcode.FORMERR and \
        opcode == (wire[2] >> 3) & 0xf


def parses_as_query(wire):
    try:
        m = dns.message.from_wire(wire)
    except (dns.exception.DNSException, ValueError, UnicodeError, struct.error):
        return False
    return not m.flags & dns.flags.QR


def assert_unanswered_udp(k, data):
    """
    Send data, then a good query from the same socket: kresd reads datagrams in
    order and answers these at once, so the first reply must be the good one's.
    """
    good = make_query('www.lab.', 'A')
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.sendto(data, (k.addr, k.port))
        s.sendto(good.to_wire(), (k.addr, k.port))
        reply = s.recv(65535)
    assert reply[:2] == good.to_wire()[:2], 'answered %r with %r' % (data, reply)


def assert_serving(k):
    q, r = k.query('www.lab.', 'A')
    assert r.id == q.id and r.rcode() == dns.rcode.NOERROR
    assert [rd.to_text() for rrset in r.answer for rd in rrset] == ['192.0.2.1']
    q, r = k.query('www.lab.', 'A', proto='tcp')
    assert [rd.to_text() for rrset in r.answer for rd in rrset] == ['192.0.2.1']


def test_udp_malformed(kresd):
    k = kresd(CONFIG)
    for data in SHORT:
        assert_unanswered_udp(k, data)
    for name, wire in list(MALFORMED.items()) + list(SEMANTIC.items()):
        assert name in SEMANTIC or not parses_as_query(wire), name   # the fixture itself is malformed
        reply = k.raw_udp(wire, timeout=1.0)
        assert reply is not None, '%s: no answer (FORMERR expected)' % name
        assert is_formerr_for(wire, reply), '%s: %s' % (name, dns.message.from_wire(reply))
        r = dns.message.from_wire(reply)
        assert r.answer == [] and r.authority == []
    assert_serving(k)


def test_udp_responses_get_no_answer(kresd):
    """A message with QR=1 (a response, or a malformed one) is never answered: no reflection."""
    k = kresd(CONFIG)
    q = make_query('www.lab.', 'A')
    resp = dns.message.make_response(q)
    for wire in (resp.to_wire(), header(flags=0x8100, qd=1), header(flags=0x8000, qd=0),
                 MALFORMED['compression-loop'][:2] + b'\x80' + MALFORMED['compression-loop'][3:]):
        assert_unanswered_udp(k, wire)
    assert_serving(k)


def test_udp_random_packets(kresd):
    """2000 seeded random datagrams: each gets FORMERR with its ID (or a real answer if it is a valid query) or nothing."""
    k = kresd(CONFIG)
    rng = random.Random(20240601)
    packets = []
    for i in range(2000):
        n = rng.choice([rng.randrange(0, 12), rng.randrange(12, 40), rng.randrange(12, 600)])
        data = bytearray(rng.getrandbits(8) for _ in range(n))
        if n >= 2:
            data[0:2] = struct.pack('!H', i)   # a unique ID to match replies
        if n >= 4 and i % 2:
            data[2] &= 0x7f                  # half of them look like queries
        packets.append(bytes(data))
    answered = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        for start in range(0, len(packets), 50):
            for p in packets[start:start + 50]:
                s.sendto(p, (k.addr, k.port))
            # A good query closes the batch: its answer comes after those to the batch.
            sentinel = make_query('www.lab.', 'A', qid=60000 + start // 50)
            s.sendto(sentinel.to_wire(), (k.addr, k.port))
            ids = set()
            while True:
                try:
                    reply = s.recv(65535)
                except socket.timeout:
                    raise AssertionError('no answer to the good query after packets %d-%d:\n%s'
                                         % (start, start + 49, k.stderr()))
                rid, qr, _, rcode = reply_header(reply)
                assert qr
                if rid == sentinel.id:
                    assert rcode == dns.rcode.NOERROR
                    break
                assert start <= rid < start + 50 and rid not in ids, 'reply with unexpected ID %d' % rid
                ids.add(rid)
                p = packets[rid]
                assert len(p) >= 12 and not p[2] & 0x80, 'answered a short or QR=1 packet: %r' % p
                if rcode != dns.rcode.FORMERR:
                    assert parses_as_query(p), 'rcode %s for malformed %r' % (rcode, p)
                answered += 1
    print('random packets: %d of %d answered' % (answered, len(packets)))
    # Most of those looking like queries are answered (FORMERR); none of the others.
    assert answered >= 500
    assert_serving(k)


def test_tcp_malformed(kresd):
    """Each malformed message, then a good query, on one connection."""
    k = kresd(CONFIG)
    good = make_query('www.lab.', 'A', qid=0xbeef)
    for name, wire in list(MALFORMED.items()) + list(SEMANTIC.items()):
        with k.tcp_connect() as s:
            s.sendall(frame(wire) + frame(good.to_wire()))
            first = tcp_read_msg(s)
            assert is_formerr_for(wire, first), '%s: %s' % (name, dns.message.from_wire(first))
            r = dns.message.from_wire(tcp_read_msg(s))
            assert r.id == good.id and r.rcode() == dns.rcode.NOERROR, name
    # Messages too short for a header: kresd hangs up without answering.
    for data in SHORT:
        with k.tcp_connect() as s:
            s.sendall(frame(data) + frame(good.to_wire()))
            assert wait_closed(s, 3) is not None, 'connection kept after a %d-byte message' % len(data)
    # A response (QR=1) is dropped; the next query on the connection is answered.
    with k.tcp_connect() as s:
        resp = dns.message.make_response(make_query('www.lab.', 'A', qid=1))
        s.sendall(frame(resp.to_wire()) + frame(good.to_wire()))
        r = dns.message.from_wire(tcp_read_msg(s))
        assert r.id == good.id and r.rcode() == dns.rcode.NOERROR
    assert_serving(k)


def test_tcp_random_messages(kresd):
    """300 random messages of >= 12 bytes pipelined on one connection, then a good query."""
    k = kresd(CONFIG)
    rng = random.Random(77)
    packets = []
    for i in range(300):
        data = bytearray(rng.getrandbits(8) for _ in range(rng.randrange(12, 300)))
        data[0:2] = struct.pack('!H', i)
        packets.append(bytes(data))
    good = make_query('www.lab.', 'A', qid=0xffff)
    expect = {i for i, p in enumerate(packets) if not p[2] & 0x80}
    with k.tcp_connect(timeout=5) as s:
        s.sendall(b''.join(frame(p) for p in packets) + frame(good.to_wire()))
        seen = set()
        while True:
            reply = tcp_read_msg(s)
            rid, qr, _, rcode = reply_header(reply)
            assert qr
            if rid == good.id:
                assert rcode == dns.rcode.NOERROR
                break
            assert rid in expect and rid not in seen, rid
            seen.add(rid)
            if rcode != dns.rcode.FORMERR:
                assert parses_as_query(packets[rid])
        # Answers may come in any order, but all of them before the idle timeout.
        s.settimeout(2)
        deadline = time.monotonic() + 3
        while seen != expect and time.monotonic() < deadline:
            rid, qr, _, _ = reply_header(tcp_read_msg(s))
            assert qr and rid in expect and rid not in seen
            seen.add(rid)
    assert seen == expect
    assert_serving(k)


@pytest.mark.parametrize('length', [0xffff, 5000])
def test_tcp_length_beyond_data(kresd, length):
    """A length prefix promising more than is sent: no answer, kresd keeps serving others."""
    k = kresd(CONFIG)
    with k.tcp_connect() as s:
        s.sendall(struct.pack('!H', length) + header() + good_question())
        s.settimeout(0.5)
        with pytest.raises(socket.timeout):
            s.recv(10)
        assert_serving(k)
