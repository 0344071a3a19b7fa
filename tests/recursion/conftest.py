# SPDX-License-Identifier: GPL-3.0-or-later
"""
Fixtures of the recursion tests: the fake Internet (fakenet.py) for the whole
session, and kresd processes that resolve from its root.

Run by tests/recursion/run.sh inside a private network namespace.
Environment (set by `make check`, or by hand):
  KRESD_BUILDDIR   build directory holding ./kresd      (default /work/build)
  KRESD_MODULE_DIR directory of the built plugins       (default $KRESD_BUILDDIR/plugins-build)
  KRESD_MEASURE    file the MEASURE: lines are appended to (optional)
  KRESD_TEST_VERBOSE=1  kresd runs with verbose(true) (its stderr is kept in the test's tmp dir)
"""
import concurrent.futures
import itertools
import os
import pathlib
import signal
import socket
import subprocess
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import fakenet

HERE = pathlib.Path(__file__).resolve().parent
BUILDDIR = pathlib.Path(os.environ.get('KRESD_BUILDDIR') or '/work/build')
MODULE_DIR = pathlib.Path(os.environ.get('KRESD_MODULE_DIR') or BUILDDIR / 'plugins-build')
KRESD = BUILDDIR / 'kresd'
SANITIZER_MARKS = ('AddressSanitizer', 'runtime error:', 'LeakSanitizer',
                   'UndefinedBehaviorSanitizer')
MEASURES = []
_ports = itertools.count(25353)


def measure(line):
    line = 'MEASURE: ' + line
    print(line)
    MEASURES.append(line)
    path = os.environ.get('KRESD_MEASURE')
    if path:
        with open(path, 'a') as f:
            f.write(line + '\n')


def pytest_configure(config):
    names = sorted(name for _, name in socket.if_nameindex())
    if names != ['lo']:
        pytest.exit('refusing to run: interfaces %s exist; run tests/recursion/run.sh, which '
                    'starts the tests in a private network namespace' % names, returncode=1)
    if os.geteuid() != 0:
        pytest.exit('the fake Internet needs root (addresses on lo, port 53)', returncode=1)


def pytest_terminal_summary(terminalreporter):
    if MEASURES:
        terminalreporter.section('measurements')
        for line in MEASURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope='session')
def net(tmp_path_factory):
    """The fake Internet, started once; every server stopped (by PID) at the end."""
    n = fakenet.FakeNet(tmp_path_factory.mktemp('fakenet'))
    n.start()
    yield n
    n.stop()


@pytest.fixture(scope='session')
def tree(net):
    return net.tree


def kresd_available():
    return os.access(KRESD, os.X_OK) and (MODULE_DIR / 'iterate.so').exists()


class Kresd:
    def __init__(self, workdir, port, extra_config='', env=None):
        self.workdir = pathlib.Path(workdir)
        self.env = dict(env or {})      # added to kresd's environment (LD_PRELOAD, ...)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.addr = '127.0.0.1'
        self.port = port
        config = ("net.listen('127.0.0.1', %d)\n"
                  "hints.root({['a.root-servers.net.'] = '%s'})\n"
                  "trust_anchors.remove('.')   -- the fake root is not signed\n" % (port, fakenet.ROOT_ADDR))
        if os.environ.get('KRESD_TEST_VERBOSE'):
            config += 'verbose(true)\n'
        (self.workdir / 'config').write_text(config + extra_config)
        self.stderr_path = self.workdir / 'stderr.log'
        self.proc = None

    def start(self):
        env = dict(os.environ)
        env['KRESD_MODULE_DIR'] = str(MODULE_DIR)
        env['ASAN_OPTIONS'] = 'detect_leaks=0:abort_on_error=0:exitcode=86'
        env['UBSAN_OPTIONS'] = 'print_stacktrace=1:halt_on_error=1:exitcode=87'
        env.update(self.env)
        self._err = open(self.stderr_path, 'wb')
        self.proc = subprocess.Popen([str(KRESD), '-n', '-c', 'config', str(self.workdir)],
                                     cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._err, stderr=self._err)
        deadline = time.monotonic() + 10
        q = dns.message.make_query('localhost.', 'A')
        while True:
            if self.proc.poll() is not None:
                raise AssertionError('kresd exited with %s at start:\n%s'
                                     % (self.proc.returncode, self.stderr()))
            try:
                dns.query.udp(q, self.addr, port=self.port, timeout=0.2)
                return self
            except (dns.exception.Timeout, OSError):
                if time.monotonic() > deadline:
                    raise AssertionError('kresd does not answer:\n' + self.stderr())
                time.sleep(0.05)

    def stderr(self):
        try:
            return self.stderr_path.read_text(errors='replace')
        except OSError:
            return ''

    def query(self, name, rdtype='A', tcp=False, timeout=12.0):
        """Ask kresd (RD, EDNS 1232). @return (query, reply)."""
        q = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
        if tcp:
            r = dns.query.tcp(q, self.addr, port=self.port, timeout=timeout)
        else:
            r = dns.query.udp(q, self.addr, port=self.port, timeout=timeout)
        return q, r

    def query_many(self, questions, tcp=False, workers=16):
        """[(name, type)] asked with `workers` in flight: @return [(question, reply or exception, secs)]."""
        def one(qq):
            t0 = time.monotonic()
            try:
                return qq, self.query(qq[0], qq[1], tcp=tcp)[1], time.monotonic() - t0
            except Exception as e:   # noqa: BLE001 - reported by the caller
                return qq, e, time.monotonic() - t0
        with concurrent.futures.ThreadPoolExecutor(workers) as ex:
            return list(ex.map(one, questions))

    def stop(self):
        """SIGTERM; @return exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = 'hung (killed)'
        self._err.close()
        return rc


@pytest.fixture
def kresd(net, tmp_path):
    """kresd(extra_config='', env=None) starts a kresd resolving from the fake root; checked at teardown."""
    if not kresd_available():
        pytest.fail('%s or %s/iterate.so not built' % (KRESD, MODULE_DIR))
    started = []

    def start(extra_config='', env=None):
        k = Kresd(tmp_path / ('kresd%d' % len(started)), next(_ports), extra_config, env)
        started.append(k)
        return k.start()

    yield start
    problems = []
    for k in started:
        died = k.proc.poll()
        rc = k.stop()
        if died is not None:
            problems.append('kresd died during the test with status %s' % died)
        elif rc != 0:
            problems.append('kresd exited with %s on SIGTERM' % rc)
        text = k.stderr()
        marks = [m for m in SANITIZER_MARKS if m in text]
        if marks:
            problems.append('sanitizer report %s in kresd stderr' % marks)
        if problems:
            problems.append('stderr (%s):\n%s' % (k.stderr_path, text[-6000:]))
    assert not problems, '\n'.join(problems)


# --- comparing answers with the model ----------------------------------------

def rrset_keys(rrsets):
    """A section as a set of (owner, type, rdata) in canonical form (letter case ignored)."""
    out = set()
    for rr in rrsets:
        if rr.rdtype == dns.rdatatype.OPT:
            continue
        for rd in rr:
            out.add((rr.name.canonicalize().to_text(), dns.rdatatype.to_text(rr.rdtype),
                     rd.to_digestable().hex() if rd.rdtype != dns.rdatatype.TXT
                     else rd.to_text()))
    return out


def texts(rrsets):
    return sorted(line for rr in rrsets for line in rr.to_text().splitlines())


def check_answer(tree, name, rdtype, reply):
    """@return a list of differences between kresd's reply and the authoritative data."""
    if isinstance(reply, Exception):
        return ['no reply: %r' % reply]
    exp = tree.expected(name, rdtype)
    errs = []
    if reply.rcode() != exp.rcode:
        errs.append('rcode %s, expected %s' % (dns.rcode.to_text(reply.rcode()),
                                              dns.rcode.to_text(exp.rcode)))
    if reply.flags & dns.flags.AA:
        errs.append('AA set')
    if not reply.flags & dns.flags.RA:
        errs.append('RA clear')
    if exp.rcode == dns.rcode.SERVFAIL:
        return errs
    if rrset_keys(reply.answer) != rrset_keys(exp.answer):
        errs.append('answer %s, expected %s' % (texts(reply.answer), texts(exp.answer)))
    if rrset_keys(reply.authority) != rrset_keys(exp.authority):
        errs.append('authority %s, expected %s' % (texts(reply.authority), texts(exp.authority)))
    extra = [rr for rr in reply.additional if rr.rdtype != dns.rdatatype.OPT]
    if extra:
        errs.append('additional %s, expected none' % texts(extra))
    exp_ttl = {(rr.name.canonicalize(), rr.rdtype): rr.ttl for rr in exp.answer + exp.authority}
    for rr in reply.answer + reply.authority:
        limit = exp_ttl.get((rr.name.canonicalize(), rr.rdtype))
        if limit is not None and rr.ttl > limit:
            errs.append('TTL %d > %d in %s' % (rr.ttl, limit, rr.name))
    return errs
