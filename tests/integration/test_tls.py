# SPDX-License-Identifier: GPL-3.0-or-later
"""
DNS over TLS (RFC 7858): kresd serving TLS clients (kdig +tls, Python's ssl),
pipelining, EDNS(0) padding, certificate errors, the ephemeral certificate and
its pin, misbehaving clients; and policy.TLS_FORWARD to a Python TLS server and
to a second kresd, with CA + host name and with pins, and what fails closed.
Certificates (a test CA, a server certificate for dot.lab) are made at test
time with the openssl command.
"""
import base64
import hashlib
import os
import re
import socket
import ssl
import struct
import subprocess
import threading
import time

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from conftest import (KRESD, frame, kresd_env, make_query, measure, next_port, recv_exact, sanitizer_report,
                      tcp_read_msg, wait_closed)

HINT = "modules = { 'hints', 'policy' }\nhints['www.dot.lab'] = '192.0.2.10'\n"


# --- certificates -------------------------------------------------------------

def openssl(*args, stdin=None):
    res = subprocess.run(('openssl',) + args, input=stdin, capture_output=True, timeout=60)
    assert res.returncode == 0, res.stderr.decode(errors='replace')
    return res.stdout


@pytest.fixture(scope='module')
def pki(tmp_path_factory):
    """A test CA and a P-256 server certificate for dot.lab signed by it."""
    d = tmp_path_factory.mktemp('pki')
    ec = ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes')
    openssl('req', '-x509', *ec, '-keyout', str(d / 'ca.key'), '-out', str(d / 'ca.pem'),
            '-days', '2', '-subj', '/CN=kresd test CA')
    openssl('req', *ec, '-keyout', str(d / 'srv.key'), '-out', str(d / 'srv.csr'), '-subj', '/CN=dot.lab')
    (d / 'ext').write_text('subjectAltName=DNS:dot.lab\n')
    openssl('x509', '-req', '-in', str(d / 'srv.csr'), '-CA', str(d / 'ca.pem'), '-CAkey', str(d / 'ca.key'),
            '-CAcreateserial', '-out', str(d / 'srv.pem'), '-days', '2', '-extfile', str(d / 'ext'))
    return {'ca': d / 'ca.pem', 'cert': d / 'srv.pem', 'key': d / 'srv.key', 'dir': d,
            'pin': spki_pin(openssl('x509', '-in', str(d / 'srv.pem'), '-outform', 'DER'))}


def spki_pin(cert_der):
    """base64(SHA-256(SubjectPublicKeyInfo)) of a DER certificate, computed by openssl."""
    pub = openssl('x509', '-inform', 'DER', '-pubkey', '-noout', stdin=cert_der)
    spki = openssl('pkey', '-pubin', '-outform', 'DER', stdin=pub)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


# --- clients ------------------------------------------------------------------

def tls_connect(port, ca=None, hostname=None, timeout=3.0):
    ctx = ssl.create_default_context(cafile=str(ca)) if ca else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if not ca:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    return ctx.wrap_socket(raw, server_hostname=hostname)


def tls_query(port, q, **kw):
    with tls_connect(port, **kw) as s:
        s.sendall(frame(q.to_wire()))
        return dns.message.from_wire(tcp_read_msg(s))


def tls_server(kresd, config, cert=None, **kw):
    """A kresd with hints, serving TLS on a port of its own. @return (kresd, tls port)."""
    port = next_port()
    head = "net.tls('%s', '%s')\n" % (cert['cert'], cert['key']) if cert else ''
    k = kresd(head + "net.listen('127.0.0.1', %d, {tls = true})\n" % port + HINT + config, **kw)
    return k, port


def addresses(r):
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset)


# --- serving TLS ----------------------------------------------------------------

def test_kdig_and_python_clients(kresd, pki):
    k, port = tls_server(kresd, '', cert=pki, interactive=True)
    out = subprocess.run(['kdig', '@127.0.0.1', '-p', str(port), '+tls-ca=%s' % pki['ca'],
                          '+tls-hostname=dot.lab', 'www.dot.lab', 'A'],
                         capture_output=True, text=True, timeout=10).stdout
    assert 'status: NOERROR' in out and '192.0.2.10' in out, out
    assert 'TLS1.2' in out and ('GCM' in out or 'CHACHA20' in out.upper()), out
    assert 'ECDHE-X25519' in out, 'the fast key exchange group is preferred: %s' % out
    # Python: the chain and the name verified against the test CA.
    r = tls_query(port, make_query('www.dot.lab.', 'A'), ca=pki['ca'], hostname='dot.lab')
    assert r.rcode() == dns.rcode.NOERROR and addresses(r) == ['192.0.2.10']
    # net.tls() reads the paths back; net.list() shows the endpoint as kind 'tls' over TCP.
    assert str(pki['cert']) in k.cli('net.tls()')
    listing = k.cli("for _, e in ipairs(net.list()) do print(e.kind, e.transport.protocol, e.transport.port) end")
    assert 'tls\ttcp\t%d' % port in listing, listing
    assert 'dns\tudp\t%d' % k.port in listing and 'tls\tudp' not in listing


def test_session_resumption(kresd, pki):
    k, port = tls_server(kresd, '', cert=pki)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2   # tickets as TLS 1.2 resumes them
    q = make_query('www.dot.lab.', 'A')
    with ctx.wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=3)) as s:
        assert s.version() == 'TLSv1.2'
        assert s.cipher()[0].startswith('ECDHE-') and ('GCM' in s.cipher()[0] or 'CHACHA20' in s.cipher()[0])
        s.sendall(frame(q.to_wire()))
        tcp_read_msg(s)
        session = s.session
    assert session is not None and session.has_ticket
    with ctx.wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=3), session=session) as s:
        s.sendall(frame(q.to_wire()))
        assert addresses(dns.message.from_wire(tcp_read_msg(s))) == ['192.0.2.10']
        assert s.session_reused, 'the session ticket was not accepted'


def test_pipelined_out_of_order(kresd, pki, fake_upstream):
    slow = fake_upstream(delay=0.5, address='192.0.2.77')
    k, port = tls_server(kresd, "policy.add(policy.suffix(policy.STUB('127.0.0.1@%d'), {todname('slow.lab')}))\n"
                         % slow.port, cert=pki)
    qs = [make_query('x.slow.lab.', 'A', qid=1000)] + [make_query('www.dot.lab.', 'A', qid=2000 + i)
                                                        for i in range(20)]
    with tls_connect(port) as s:
        s.sendall(b''.join(frame(q.to_wire()) for q in qs))
        got = [dns.message.from_wire(tcp_read_msg(s)) for _ in qs]
    assert sorted(r.id for r in got) == sorted(q.id for q in qs)
    by_id = {r.id: r for r in got}
    assert addresses(by_id[1000]) == ['192.0.2.77']
    assert all(addresses(by_id[2000 + i]) == ['192.0.2.10'] for i in range(20))
    assert got[-1].id == 1000, 'the slow answer should come last, after the ones asked later'


def test_padding(kresd, pki):
    k, port = tls_server(kresd, '', cert=pki, interactive=True)

    def ask(**kw):
        return tls_query(port, make_query('www.dot.lab.', 'A', **kw))

    def wire_len(**kw):
        with tls_connect(port) as s:
            s.sendall(frame(make_query('www.dot.lab.', 'A', **kw).to_wire()))
            (n,) = struct.unpack('!H', recv_exact(s, 2))
            return len(recv_exact(s, n))

    assert wire_len(use_edns=0) == 468        # the RFC 8467 block, by default
    r = ask(use_edns=0)
    assert any(o.otype == dns.edns.PADDING for o in r.options) and addresses(r) == ['192.0.2.10']
    assert wire_len(want_dnssec=True) % 468 == 0
    k.cli('net.tls_padding(64)')
    sizes = {wire_len(use_edns=0), wire_len(want_dnssec=True)}
    assert all(n % 64 == 0 for n in sizes), sizes
    k.cli('net.tls_padding(false)')
    assert not any(o.otype == dns.edns.PADDING for o in ask(use_edns=0).options)
    assert 'false' in k.cli('print(net.tls_padding())')
    k.cli('net.tls_padding(true)')
    assert wire_len(use_edns=0) == 468
    # No EDNS in the query: no OPT, so no padding either.
    assert ask().edns < 0
    # Plain TCP and UDP answers are not padded.
    q = make_query('www.dot.lab.', 'A', use_edns=0)
    assert not any(o.otype == dns.edns.PADDING for o in k.tcp(q).options)


@pytest.mark.parametrize('which', ['cert', 'key'])
def test_missing_file_named(run_kresd, pki, tmp_path, which):
    files = {'cert': str(pki['cert']), 'key': str(pki['key'])}
    files[which] = str(tmp_path / ('no-such-%s.pem' % which))
    rc, err, _ = run_kresd("net.tls('%s', '%s')\n" % (files['cert'], files['key']))
    assert rc != 0
    assert files[which] in err and 'No such file' in err, err


def test_bad_cert_and_key(run_kresd, pki, tmp_path):
    junk = tmp_path / 'junk.pem'
    junk.write_text('not a certificate\n')
    rc, err, _ = run_kresd("net.tls('%s', '%s')\n" % (junk, pki['key']))
    assert rc != 0 and str(junk) in err and 'no valid certificate' in err, err
    other = tmp_path / 'other.key'
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', str(other))
    rc, err, _ = run_kresd("net.tls('%s', '%s')\n" % (pki['cert'], other))
    assert rc != 0 and 'does not belong' in err and str(other) in err, err


def test_ephemeral_certificate_pin(kresd):
    k, port = tls_server(kresd, '')
    m = re.search(r'pin_sha256 ([A-Za-z0-9+/=]{44})', k.stderr())
    assert m, k.stderr()
    with tls_connect(port) as s:
        der = s.getpeercert(binary_form=True)
        s.sendall(frame(make_query('www.dot.lab.', 'A').to_wire()))
        assert addresses(dns.message.from_wire(tcp_read_msg(s))) == ['192.0.2.10']
    assert spki_pin(der) == m.group(1)


def test_port_853_means_tls(kresd, pki):
    k = kresd("net.tls('%s', '%s')\nnet.listen('127.0.0.1', 853)\n" % (pki['cert'], pki['key']) + HINT,
              interactive=True)
    listing = k.cli("for _, e in ipairs(net.list()) do print(e.kind, e.transport.protocol, e.transport.port) end")
    assert 'tls\ttcp\t853' in listing and 'udp\t853' not in listing, listing
    out = subprocess.run(['kdig', '@127.0.0.1', '+tls', 'www.dot.lab', 'A'],   # kdig's TLS port: 853
                         capture_output=True, text=True, timeout=10).stdout
    assert '192.0.2.10' in out, out


def test_forks_share_the_ephemeral_certificate(kresd):
    """Made before forking: every fork serves the pin that was logged."""
    k, port = tls_server(kresd, '', forks=2)
    pins = re.findall(r'pin_sha256 ([A-Za-z0-9+/=]{44})', k.stderr())
    assert len(pins) == 1, k.stderr()
    seen = set()
    for _ in range(8):
        with tls_connect(port) as s:
            seen.add(spki_pin(s.getpeercert(binary_form=True)))
            s.sendall(frame(make_query('www.dot.lab.', 'A').to_wire()))
            assert addresses(dns.message.from_wire(tcp_read_msg(s))) == ['192.0.2.10']
    assert seen == set(pins)


def test_socket_from_systemd_named_dns_tls(tmp_path, moduledir, pki):
    """LISTEN_FDS with LISTEN_FDNAMES=dns-tls: the handed-over socket serves TLS with net.tls()'s certificate."""
    port = next_port()
    sock = socket.create_server(('127.0.0.1', port))
    (tmp_path / 'config').write_text("net.tls('%s', '%s')\n" % (pki['cert'], pki['key']) + HINT)
    cmd = ['sh', '-c', 'LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=dns-tls exec "$0" "$@"',
           str(KRESD), '-n', '-c', 'config', str(tmp_path)]
    with open(tmp_path / 'stderr', 'wb') as err:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=kresd_env(moduledir), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err, pass_fds=(3,),
                                preexec_fn=lambda: os.dup2(sock.fileno(), 3))
    sock.close()
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                r = tls_query(port, make_query('www.dot.lab.', 'A'), ca=pki['ca'], hostname='dot.lab')
                break
            except (OSError, ssl.SSLError, EOFError):
                assert time.monotonic() < deadline and proc.poll() is None, (tmp_path / 'stderr').read_text()
                time.sleep(0.05)
        assert addresses(r) == ['192.0.2.10']
        assert 'ephemeral' not in (tmp_path / 'stderr').read_text()
    finally:
        proc.terminate()
        assert proc.wait(5) == 0
    assert not sanitizer_report((tmp_path / 'stderr').read_text())


def client_hello():
    """The first flight of a real TLS client, made without a network."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out)
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    return out.read()


def test_bad_clients_do_not_disturb(kresd, pki):
    k, port = tls_server(kresd, 'net.tcp_limits({idle_ms = 1000})\n', cert=pki)
    idle = socket.create_connection(('127.0.0.1', port))
    garbage = socket.create_connection(('127.0.0.1', port))
    garbage.sendall(b'\x16\x03\x01\x00\x05hello' + bytes(range(256)) * 4)
    stalled = socket.create_connection(('127.0.0.1', port))
    stalled.sendall(client_hello()[:40])      # a truncated ClientHello, then nothing
    plain_dns = socket.create_connection(('127.0.0.1', port))
    plain_dns.sendall(frame(make_query('www.dot.lab.', 'A').to_wire()))   # DNS without TLS
    try:
        for _ in range(3):
            t0 = time.monotonic()
            r = tls_query(port, make_query('www.dot.lab.', 'A'), ca=pki['ca'], hostname='dot.lab')
            assert addresses(r) == ['192.0.2.10']
            assert time.monotonic() - t0 < 1.0
        assert wait_closed(garbage, 3) is not None, 'garbage must close the connection'
        assert wait_closed(plain_dns, 3) is not None
        # A handshake never finished is closed by the idle timeout (1 s here, 10 s by default).
        assert wait_closed(stalled, 4) is not None
        assert wait_closed(idle, 4) is not None
        assert k.udp(make_query('www.dot.lab.', 'A')).rcode() == dns.rcode.NOERROR
    finally:
        for s in (idle, garbage, stalled, plain_dns):
            s.close()


def test_connection_caps(kresd, pki):
    k, port = tls_server(kresd, '', cert=pki, interactive=True)
    k.cli('net.tcp_limits({per_client = 3})')
    conns = [tls_connect(port) for _ in range(3)]
    try:
        for s in conns:
            s.sendall(frame(make_query('www.dot.lab.', 'A').to_wire()))
            assert addresses(dns.message.from_wire(tcp_read_msg(s))) == ['192.0.2.10']
        with pytest.raises((ssl.SSLError, OSError, EOFError)):
            with tls_connect(port) as s:   # the 4th from this client is closed at once
                s.sendall(frame(make_query('www.dot.lab.', 'A').to_wire()))
                tcp_read_msg(s)
    finally:
        for s in conns:
            s.close()
    time.sleep(0.3)
    assert addresses(tls_query(port, make_query('www.dot.lab.', 'A'))) == ['192.0.2.10']


# --- forwarding over TLS ----------------------------------------------------------

class TlsUpstream:
    """A DNS-over-TLS server on 127.0.0.1:port (Python's ssl) answering A 192.0.2.53."""

    def __init__(self, cert, key):
        self.port = next_port()
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(cert), str(key))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', self.port))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.connections = 0
        self.handshakes = 0
        self.queries = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                raw, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        raw.settimeout(5)
        try:
            with self.ctx.wrap_socket(raw, server_side=True) as s:
                self.handshakes += 1
                while not self._stop.is_set():
                    q = dns.message.from_wire(tcp_read_msg(s))
                    self.queries.append(q)
                    r = dns.message.make_response(q)
                    if q.question[0].rdtype == dns.rdatatype.TXT:   # ~28 KB: records of TLS both ways
                        r.answer.append(dns.rrset.from_text_list(q.question[0].name, 300, 'IN', 'TXT', [
                            '"%03d%s"' % (i, 'x' * 250) for i in range(110)]))
                    else:
                        r.answer.append(dns.rrset.from_text(q.question[0].name, 300, 'IN', 'A', '192.0.2.53'))
                    s.sendall(frame(r.to_wire(max_size=65535)))   # a stream: EDNS size does not apply
        except (OSError, EOFError, ssl.SSLError, dns.exception.DNSException):
            pass

    def close(self):
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def tls_upstream(pki):
    made = []

    def make():
        u = TlsUpstream(pki['cert'], pki['key'])
        made.append(u)
        return u

    yield make
    for u in made:
        u.close()


def forward_config(target):
    return ("modules.load('policy')\n"
            "policy.add(policy.suffix(policy.TLS_FORWARD({%s}), {todname('fwd.lab')}))\n" % target)


def test_tls_forward_ca_and_hostname(kresd, pki, tls_upstream):
    up = tls_upstream()
    k = kresd(forward_config("{'127.0.0.1@%d', hostname = 'dot.lab', ca_file = '%s'}" % (up.port, pki['ca'])))
    for i in range(5):
        q, r = k.query('n%d.fwd.lab.' % i, 'A')
        assert r.rcode() == dns.rcode.NOERROR and addresses(r) == ['192.0.2.53'], r
    assert len(up.queries) == 5
    assert all(q.flags & dns.flags.RD for q in up.queries)
    assert up.connections == 1, 'queries must share one TLS connection'
    # Concurrent queries are pipelined on that connection too.
    socks = []
    for i in range(10):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(make_query('p%d.fwd.lab.' % i, 'A').to_wire(), (k.addr, k.port))
        socks.append(s)
    for s in socks:
        s.settimeout(3)
        assert addresses(dns.message.from_wire(s.recv(65535))) == ['192.0.2.53']
        s.close()
    assert up.connections == 1


def test_tls_forward_large_answer_to_tls_client(kresd, pki, tls_upstream):
    """A 28 KB answer crosses several TLS records from the upstream and to the client."""
    up = tls_upstream()
    k, port = tls_server(kresd, "policy.add(policy.suffix(policy.TLS_FORWARD({{'127.0.0.1@%d', "
                         "hostname = 'dot.lab', ca_file = '%s'}}), {todname('fwd.lab')}))\n" % (up.port, pki['ca']),
                         cert=pki)
    r = tls_query(port, make_query('big.fwd.lab.', 'TXT', use_edns=0), ca=pki['ca'], hostname='dot.lab')
    assert r.rcode() == dns.rcode.NOERROR, k.stderr()
    texts = sorted(b''.join(rd.strings).decode() for rrset in r.answer for rd in rrset)
    assert texts == ['%03d%s' % (i, 'x' * 250) for i in range(110)]
    assert len(r.to_wire()) > 16384


@pytest.mark.parametrize('target,words', [
    ("hostname = 'wrong.lab', ca_file = '%(ca)s'", 'certificate verification failed'),
    ("pin_sha256 = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='", 'matches none of the 1 pins'),
    ("hostname = 'dot.lab', ca_file = '%(other_ca)s'", 'certificate verification failed'),
])
def test_tls_forward_fails_closed(kresd, pki, tls_upstream, target, words):
    other = pki['dir'] / 'other-ca.pem'
    if not other.exists():
        openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
                '-keyout', str(pki['dir'] / 'other-ca.key'), '-out', str(other), '-days', '2',
                '-subj', '/CN=another CA')
    up = tls_upstream()
    k = kresd(forward_config("{'127.0.0.1@%d', %s}" % (up.port, target % {'ca': pki['ca'], 'other_ca': other})))
    for name in ('a.fwd.lab.', 'b.fwd.lab.'):
        q, r = k.query(name, 'A')
        assert r.rcode() == dns.rcode.SERVFAIL and not r.answer
    assert up.queries == [], 'no query may reach a server that failed authentication'
    assert up.connections == 1, 'after a failed check the server is left alone for a while'
    err = k.stderr()
    assert words in err and 'not used' in err and '127.0.0.1@%d' % up.port in err, err


def test_tls_forward_pin(kresd, pki, tls_upstream):
    up = tls_upstream()
    k = kresd(forward_config("{'127.0.0.1@%d', pin_sha256 = {'%s'}}" % (up.port, pki['pin'])))
    for i in range(3):
        q, r = k.query('p%d.fwd.lab.' % i, 'A')
        assert addresses(r) == ['192.0.2.53']
    assert up.connections == 1 and len(up.queries) == 3


class RawUpstream:
    """A TCP server that answers every connection with `reply` (then nothing); records closings."""

    def __init__(self, reply=b''):
        self.port = next_port()
        self.reply = reply
        self.sock = socket.create_server(('127.0.0.1', self.port))
        self.sock.settimeout(0.1)
        self.accepted = 0
        self.closed_after = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._hold, args=(c,), daemon=True).start()

    def _hold(self, c):
        t0 = time.monotonic()
        with c:
            c.recv(4096)   # the ClientHello
            if self.reply:
                c.sendall(self.reply)
            took = wait_closed(c, 15)
            if took is not None:
                self.closed_after.append(time.monotonic() - t0)

    def close(self):
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.mark.parametrize('reply', [b'', b'HTTP/1.0 400 Bad Request\r\n\r\n' * 10], ids=['stalled', 'garbage'])
def test_tls_forward_stalled_or_garbage_upstream(kresd, pki, reply):
    up = RawUpstream(reply)
    try:
        k = kresd(forward_config("{'127.0.0.1@%d', pin_sha256 = '%s'}" % (up.port, pki['pin'])) +
                  "hints['ok.lab'] = '192.0.2.1'\n")
        t0 = time.monotonic()
        r = k.udp(make_query('a.fwd.lab.', 'A'), timeout=8)
        assert r.rcode() == dns.rcode.SERVFAIL
        assert time.monotonic() - t0 < 6
        # The loop never waited on the upstream: local answers came at once meanwhile.
        q, r = k.query('ok.lab.', 'A')
        assert addresses(r) == ['192.0.2.1']
        # A handshake that does not finish in 5 s is given up, so the server sees the close.
        deadline = time.monotonic() + 8
        while not up.closed_after and time.monotonic() < deadline:
            time.sleep(0.1)
        assert up.closed_after and up.closed_after[0] < 7, up.closed_after
        if reply:
            assert 'TLS handshake failed' in k.stderr() and 'not used' in k.stderr(), k.stderr()
    finally:
        up.close()


def test_tls_forward_to_kresd(kresd, pki):
    """The check of the issue: a second kresd serving TLS on loopback, by CA and by pin."""
    server, port = tls_server(kresd, '', cert=pki)
    by_ca = kresd("modules.load('policy')\npolicy.add(policy.suffix(policy.TLS_FORWARD("
                  "{{'127.0.0.1@%d', hostname = 'dot.lab', ca_file = '%s'}}), {todname('dot.lab')}))\n"
                  % (port, pki['ca']))
    q, r = by_ca.query('www.dot.lab.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and addresses(r) == ['192.0.2.10']
    by_pin = kresd("modules.load('policy')\npolicy.add(policy.all(policy.TLS_FORWARD("
                   "{{'127.0.0.1@%d', pin_sha256 = '%s'}})))\n" % (port, pki['pin']))
    q, r = by_pin.query('www.dot.lab.', 'A')
    assert addresses(r) == ['192.0.2.10']
    bad_pin = kresd("modules.load('policy')\npolicy.add(policy.all(policy.TLS_FORWARD("
                    "{{'127.0.0.1@%d', pin_sha256 = '%s'}})))\n" % (port, 'B' * 43 + '='))
    q, r = bad_pin.query('www.dot.lab.', 'A')
    assert r.rcode() == dns.rcode.SERVFAIL and 'not used' in bad_pin.stderr()


@pytest.mark.parametrize('config,words', [
    ("policy.TLS_FORWARD({{'127.0.0.1'}})", 'give hostname'),
    ("policy.TLS_FORWARD({{'127.0.0.1', insecure = true}})", 'unauthenticated TLS is not supported'),
    ("policy.TLS_FORWARD({{'127.0.0.1', ca_file = '/x'}})", 'ca_file needs hostname'),
    ("policy.add(policy.all(policy.TLS_FORWARD({{'127.0.0.1', pin_sha256 = 'abc'}})))", "'abc' is not the base64"),
    ("policy.add(policy.all(policy.TLS_FORWARD({{'127.0.0.1', hostname = 'a', ca_file = '/no/ca.pem'}})))",
     '/no/ca.pem'),
    ("policy.add(policy.all(policy.TLS_FORWARD({{'not-an-ip', pin_sha256 = '%s'}})))" % ('A' * 43 + '='),
     "invalid address 'not-an-ip'"),
])
def test_tls_forward_bad_config(run_kresd, config, words):
    rc, err, _ = run_kresd("modules.load('policy')\n" + config + '\n')
    assert rc != 0 and words in err, err


# --- measurement --------------------------------------------------------------------

def test_measure_tls_vs_udp(kresd, pki):
    """Answers per second from hints: UDP, and TLS with 4 connections of 500 pipelined queries each."""
    k, port = tls_server(kresd, '', cert=pki)
    n = 2000
    q = make_query('www.dot.lab.', 'A', use_edns=0)
    wire = q.to_wire()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        t0 = time.monotonic()
        for burst in range(n // 50):
            for _ in range(50):
                s.sendto(wire, (k.addr, k.port))
            for _ in range(50):
                s.recv(65535)
        udp_qps = n / (time.monotonic() - t0)
    conns = [tls_connect(port) for _ in range(4)]
    t0 = time.monotonic()
    for c in conns:
        c.sendall(frame(wire) * (n // 4))
    for c in conns:
        for _ in range(n // 4):
            tcp_read_msg(c)
    tls_qps = n / (time.monotonic() - t0)
    for c in conns:
        c.close()
    measure('tls: %.0f answers/s over 4 TLS connections (500 pipelined queries each), '
            '%.0f answers/s over UDP (bursts of 50), ASan build, hints answers' % (tls_qps, udp_qps))
    assert tls_qps > 100 and udp_qps > 100
