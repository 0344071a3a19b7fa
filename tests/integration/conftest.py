# SPDX-License-Identifier: GPL-3.0-or-later
"""
Fixtures of the integration tests: real kresd processes, real packets.

Run by tests/integration/run.sh inside a private network namespace
(`unshare -n`); every address used here is on `lo` of that namespace.
Environment (set by automake's TESTS_ENVIRONMENT, or by hand):
  KRESD_BUILDDIR   build directory holding ./kresd
  KRESD_SRCDIR     source directory (for api/ and the test plugins)
  KRESD_MODULE_DIR directory of the built plugins (hints.so, hints.lua)
  KRESD_MEASURE    file the MEASURE: lines are appended to (optional)
"""
import itertools
import os
import pathlib
import queue
import re
import signal
import socket
import struct
import subprocess
import threading
import time

import dns.exception
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

HERE = pathlib.Path(__file__).resolve().parent
SRCDIR = pathlib.Path(os.environ.get('KRESD_SRCDIR') or HERE.parents[1])
BUILDDIR = pathlib.Path(os.environ.get('KRESD_BUILDDIR') or SRCDIR)
MODULE_DIR = pathlib.Path(os.environ.get('KRESD_MODULE_DIR') or BUILDDIR / 'plugins-build')
KRESD = pathlib.Path(os.environ.get('KRESD_BIN') or BUILDDIR / 'kresd')

SANITIZER_MARKS = ('ERROR: AddressSanitizer', 'runtime error:', 'ERROR: LeakSanitizer',
                   'SUMMARY: UndefinedBehaviorSanitizer', 'AddressSanitizer:DEADLYSIGNAL')
READY_TIMEOUT = 5.0

# Below the ephemeral range (32768-60999), so no client or upstream socket can hold one.
_ports = itertools.count(21053)
MEASURES = []


def next_port():
    """A fresh port for a server of this session (the namespace is ours alone)."""
    return next(_ports)


def measure(line):
    """Record a MEASURE: line; shown in the terminal summary (and KRESD_MEASURE)."""
    MEASURES.append('MEASURE: ' + line)
    path = os.environ.get('KRESD_MEASURE')
    if path:
        with open(path, 'a') as f:
            f.write('MEASURE: ' + line + '\n')


def pytest_configure(config):
    # The network rule: kresd may only run where no packet can leave.
    names = sorted(name for _, name in socket.if_nameindex())
    if names != ['lo']:
        pytest.exit('refusing to run: interfaces %s exist; run tests/integration/run.sh, '
                    'which starts the tests in a private network namespace' % names, returncode=1)
    if not os.access(KRESD, os.X_OK):
        pytest.exit('%s not found: set KRESD_BUILDDIR to the build directory' % KRESD, returncode=1)


def pytest_terminal_summary(terminalreporter):
    if MEASURES:
        terminalreporter.section('measurements')
        for line in MEASURES:
            terminalreporter.write_line(line)


def sanitizer_report(text):
    """The sanitizer marks found in a process' stderr."""
    return [m for m in SANITIZER_MARKS if m in text]


def kresd_env(moduledir):
    env = dict(os.environ)
    env['KRESD_MODULE_DIR'] = str(moduledir)
    # Leaks are not what these tests check (LeakSanitizer at exit would change the status);
    # every other sanitizer error is fatal and fails the test.
    env['ASAN_OPTIONS'] = 'detect_leaks=0:abort_on_error=0:exitcode=86'
    env['UBSAN_OPTIONS'] = 'halt_on_error=1:print_stacktrace=1:exitcode=87'
    return env


# --- DNS helpers -----------------------------------------------------------

def make_query(name, rdtype='A', rdclass='IN', want_dnssec=False, use_edns=None, payload=None,
               rd=True, qid=None):
    """A query; without use_edns (or want_dnssec) it has no OPT record."""
    if want_dnssec and use_edns is None:
        use_edns = 0
    q = dns.message.make_query(name, rdtype, rdclass, use_edns=use_edns, want_dnssec=want_dnssec,
                               payload=(payload or 1232) if use_edns is not None else None)
    if not rd:
        q.flags &= ~dns.flags.RD
    if qid is not None:
        q.id = qid
    return q


def recv_exact(sock, n):
    buf = b''
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError('connection closed after %d of %d bytes' % (len(buf), n))
        buf += chunk
    return buf


def tcp_read_msg(sock):
    """One length-prefixed message from a stream (raises EOFError on close)."""
    (n,) = struct.unpack('!H', recv_exact(sock, 2))
    return recv_exact(sock, n)


def frame(wire):
    return struct.pack('!H', len(wire)) + wire


def wait_closed(sock, timeout):
    """Read until the peer closes the stream. @return seconds it took, or None on timeout."""
    start = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - start < timeout:
        try:
            data = sock.recv(4096)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return time.monotonic() - start
        if not data:
            return time.monotonic() - start
    return None


# --- kresd -----------------------------------------------------------------

class Kresd:
    """One kresd process with its own rundir; addr/port are where it listens (UDP and TCP)."""

    def __init__(self, workdir, config, port, moduledir, args=(), interactive=False,
                 listen=True, forks=None):
        self.workdir = pathlib.Path(workdir)
        self.port = port
        self.addr = '127.0.0.1'
        self.addr6 = '::1'
        self.moduledir = moduledir
        self.interactive = interactive
        self.config_path = self.workdir / 'config'
        head = ''
        if listen:
            head = "net.listen('127.0.0.1', %d)\nnet.listen('::1', %d)\n" % (port, port)
        # The fake upstreams serve unsigned data: no root trust anchor (added last so
        # that the line numbers of the test's own config stay as written).
        tail = "\nif rawget(_G, 'trust_anchors') then trust_anchors.remove('.') end\n"
        self.config_path.write_text(head + config + tail)
        self.stderr_path = self.workdir / 'stderr.log'
        self.stdout_path = self.workdir / 'stdout.log'
        self.cmd = [str(KRESD)]
        if not interactive:
            self.cmd.append('-n')
        if forks:
            self.cmd += ['-f', str(forks)]
        self.cmd += ['-c', 'config'] + list(args) + [str(self.workdir)]
        self.proc = None
        self.returncode = None
        self.waited = False   # the test collected the exit status itself
        self.startup_s = None
        self._lines = queue.Queue()

    # process control

    def start(self, wait=True):
        self._stderr = open(self.stderr_path, 'wb')
        stdout = subprocess.PIPE if self.interactive else open(self.stdout_path, 'wb')
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, cwd=self.workdir, env=kresd_env(self.moduledir),
                                     stdin=subprocess.PIPE if self.interactive else subprocess.DEVNULL,
                                     stdout=stdout, stderr=self._stderr)
        if self.interactive:
            threading.Thread(target=self._pump_stdout, daemon=True).start()
        if wait:
            self.wait_ready(t0)
        return self

    def _pump_stdout(self):
        with open(self.stdout_path, 'wb') as log:
            for line in self.proc.stdout:
                log.write(line)
                log.flush()
                self._lines.put(line.decode(errors='replace'))
        self._lines.put(None)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, t0=None, timeout=READY_TIMEOUT):
        """Poll with real queries until kresd answers one (any rcode)."""
        t0 = t0 or time.monotonic()
        deadline = t0 + timeout
        q = make_query('ready.invalid.', 'A')
        # A connected socket learns at once (ICMP port unreachable) that nobody listens yet.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect((self.addr, self.port))
            s.settimeout(0.05)
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError('kresd exited with %s during start-up:\n%s'
                                         % (self.proc.returncode, self.stderr()))
                try:
                    s.send(q.to_wire())
                    if dns.message.from_wire(s.recv(65535)).id == q.id:
                        self.startup_s = time.monotonic() - t0
                        return
                except ConnectionRefusedError:
                    time.sleep(0.002)
                except (socket.timeout, dns.exception.DNSException):
                    pass
        raise AssertionError('kresd did not answer within %.0f s:\n%s' % (timeout, self.stderr()))

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=5.0):
        self.waited = True
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError('kresd did not exit within %.1f s' % timeout)
        return self.returncode

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Signal kresd and wait for it. @return its exit status."""
        if self.proc.poll() is None:
            self.send_signal(sig)
        rc = self.wait(timeout)
        if self.interactive and self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        self._stderr.close()
        return rc

    def stderr(self):
        try:
            return self.stderr_path.read_text(errors='replace')
        except FileNotFoundError:
            return ''

    def assert_clean(self):
        marks = sanitizer_report(self.stderr())
        assert not marks, 'sanitizer report in kresd stderr (%s):\n%s' % (marks, self.stderr())

    # interactive CLI

    def cli(self, cmd, timeout=5.0):
        """Send one CLI line; @return everything kresd printed for it."""
        assert self.interactive
        marker = '__kr_cli_end_%d__' % time.monotonic_ns()
        self.proc.stdin.write(('%s\n%r\n' % (cmd, marker)).encode())
        self.proc.stdin.flush()
        out = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError('no CLI answer to %r; got %r' % (cmd, out))
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError('kresd closed stdout; got %r\n%s' % (out, self.stderr()))
            if line.strip() == marker:
                return ''.join(out)
            out.append(line)

    # network

    def _family(self, addr):
        return socket.AF_INET6 if ':' in addr else socket.AF_INET

    def raw_udp(self, data, timeout=1.0, addr=None):
        """Send one datagram. @return the reply's bytes or None when nothing came."""
        addr = addr or self.addr
        with socket.socket(self._family(addr), socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(data, (addr, self.port))
            try:
                return s.recv(65535)
            except socket.timeout:
                return None

    def udp(self, q, timeout=2.0, addr=None):
        wire = self.raw_udp(q.to_wire(), timeout, addr)
        assert wire is not None, 'no UDP answer to %s' % q.question
        return dns.message.from_wire(wire)

    def tcp_connect(self, timeout=3.0, addr=None):
        addr = addr or self.addr
        s = socket.socket(self._family(addr), socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((addr, self.port))
        return s

    def tcp(self, q, timeout=3.0, addr=None):
        with self.tcp_connect(timeout, addr) as s:
            s.sendall(frame(q.to_wire()))
            return dns.message.from_wire(tcp_read_msg(s))

    def query(self, name, rdtype='A', proto='udp', **kw):
        q = make_query(name, rdtype, **kw)
        return q, (self.udp(q) if proto == 'udp' else self.tcp(q))

    def rss_kb(self, pid=None):
        with open('/proc/%d/status' % (pid or self.pid)) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
        return None


@pytest.fixture(scope='session')
def moduledir(tmp_path_factory):
    """The built plugins plus the test plugins (delay, badabi) compiled against api/."""
    d = tmp_path_factory.mktemp('modules')
    for f in MODULE_DIR.iterdir():
        (d / f.name).symlink_to(f.resolve())
    cc = os.environ.get('CC_FOR_TESTS', 'cc')
    for src in sorted((HERE / 'plugins').glob('*.c')):
        out = d / (src.stem + '.so')
        cmd = [cc, '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-Wno-unused-parameter',
               '-shared', '-fPIC', '-fvisibility=hidden', '-I', str(SRCDIR / 'api'),
               str(src), '-o', str(out)]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, 'cannot build %s:\n%s' % (src.name, res.stderr)
    return d


@pytest.fixture
def kresd(tmp_path, moduledir):
    """
    Factory: kresd(config='', **kw) starts a kresd listening on 127.0.0.1 and ::1
    at a fresh port and returns it once it answers. At teardown every kresd still
    running gets SIGTERM and must exit with status 0; no kresd may have printed a
    sanitizer report.
    """
    started = []

    def start(config='', wait=True, **kw):
        workdir = tmp_path / ('kresd%d' % len(started))
        workdir.mkdir()
        k = Kresd(workdir, config, kw.pop('port', None) or next_port(), moduledir, **kw)
        started.append(k)
        return k.start(wait=wait)

    yield start
    problems = []
    for k in started:
        if k.proc is None:
            continue
        if k.alive():
            rc = k.stop()
            if rc != 0:
                problems.append('kresd (pid %d) exited with %d on SIGTERM:\n%s'
                                % (k.pid, rc, k.stderr()))
        elif not k.waited:
            problems.append('kresd (pid %d) died during the test with status %d:\n%s'
                            % (k.pid, k.proc.returncode, k.stderr()))
        marks = sanitizer_report(k.stderr())
        if marks:
            problems.append('sanitizer report (%s) in kresd stderr:\n%s' % (marks, k.stderr()))
    assert not problems, '\n'.join(problems)


@pytest.fixture
def run_kresd(tmp_path, moduledir):
    """run_kresd(config, args=()) runs a kresd expected to exit by itself: @return (rc, stderr, secs)."""
    count = itertools.count()

    def run(config, args=(), timeout=10.0, name='config'):
        workdir = tmp_path / ('run%d' % next(count))
        workdir.mkdir()
        path = workdir / name
        path.write_text(config)
        t0 = time.monotonic()
        res = subprocess.run([str(KRESD), '-n', '-c', name] + list(args) + [str(workdir)],
                             cwd=workdir, env=kresd_env(moduledir), stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=timeout)
        secs = time.monotonic() - t0
        marks = sanitizer_report(res.stderr)
        assert not marks, 'sanitizer report (%s):\n%s' % (marks, res.stderr)
        return res.returncode, res.stderr, secs

    return run


@pytest.fixture
def hostsfile(tmp_path):
    """hostsfile(text) writes a hosts file and returns its path."""
    count = itertools.count()

    def write(text):
        p = tmp_path / ('hosts%d' % next(count))
        p.write_text(text)
        return p

    return write


def plugin_abi():
    """KR_PLUGIN_ABI as api/kres/plugin.h defines it."""
    text = (SRCDIR / 'api' / 'kres' / 'plugin.h').read_text()
    return int(re.search(r'#define\s+KR_PLUGIN_ABI\s+(\d+)', text).group(1))


# --- a fake upstream server --------------------------------------------------

class FakeUpstream:
    """
    A UDP DNS server on 127.0.0.1:port in a thread. Every query gets an answer
    A 192.0.2.<n> (n = queries seen so far) after `delay` seconds, or none when
    `silent`. Records the queries received.
    """

    def __init__(self, port, delay=0.0, silent=False, address='192.0.2.99', mode='normal'):
        self.port = port
        self.delay = delay
        self.silent = silent
        self.mode = mode
        self.address = address
        self.queries = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', port))
        self.sock.settimeout(0.1)
        self._stop = threading.Event()
        self._timers = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _answer(self, q, addr):
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        r.answer.append(dns.rrset.from_text(q.question[0].name, 300, 'IN', 'A', self.address))
        wire = r.to_wire()
        out = [wire]
        if self.mode == 'spoof_first':
            # Wrong ID, then the right ID for another name, then a query (QR=0): all to be ignored.
            bad_id = dns.message.make_response(q)
            bad_id.id = (q.id + 1) & 0xffff
            bad_id.answer.append(dns.rrset.from_text(q.question[0].name, 300, 'IN', 'A', '192.0.2.66'))
            other = dns.message.make_response(dns.message.make_query('other.slow.', 'A'))
            other.id = q.id
            other.answer.append(dns.rrset.from_text('other.slow.', 300, 'IN', 'A', '192.0.2.67'))
            not_reply = bytearray(wire)
            not_reply[2] &= 0x7f
            out = [bad_id.to_wire(), other.to_wire(), bytes(not_reply), wire]
        elif self.mode == 'garbage':
            # Right ID and question, then an answer count the packet does not hold.
            out = [wire[:-10]]
        for w in out:
            try:
                self.sock.sendto(w, addr)
            except OSError:
                pass

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
            self.queries.append((time.monotonic(), q))
            if self.silent:
                continue
            t = threading.Timer(self.delay, self._answer, (q, addr))
            self._timers.append(t)
            t.start()

    def close(self):
        self._stop.set()
        for t in self._timers:
            t.cancel()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def fake_upstream():
    made = []

    def make(**kw):
        u = FakeUpstream(next_port(), **kw)
        made.append(u)
        return u

    yield make
    for u in made:
        u.close()

