# SPDX-License-Identifier: GPL-3.0-or-later
"""
Fixtures of the DNSSEC tests: the signed fake Internet (signednet.py) for the
whole session and kresd processes (tests/recursion/conftest.py's Kresd and
`kresd` fixture) that validate from its root with its DS as the trust anchor.

known-failures.txt lists tests that fail today for a known reason: they are
marked xfail(strict=True), so the suite stays green while they fail, and turns
red when one passes (remove it from the list then).

Run by tests/dnssec/run.sh inside a private network namespace.
"""
import importlib.util
import os
import pathlib
import socket
import sys
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

HERE = pathlib.Path(__file__).resolve().parent
RECURSION = HERE.parent / 'recursion'
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(RECURSION))

import signednet  # noqa: E402


def _load_recursion_conftest():
    spec = importlib.util.spec_from_file_location('recursion_conftest', RECURSION / 'conftest.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_rc = _load_recursion_conftest()
FAKETIME_LIB = os.environ.get('KRESD_FAKETIME_LIB',
                              '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1')
KNOWN_FAILURES = HERE / 'known-failures.txt'


def known_failures():
    """{node id: reason} from known-failures.txt ('node id  # reason' lines)."""
    out = {}
    for line in KNOWN_FAILURES.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        nodeid, _, reason = line.partition('#')
        out[nodeid.strip()] = reason.strip()
    return out


def pytest_configure(config):
    names = sorted(name for _, name in socket.if_nameindex())
    if names != ['lo']:
        pytest.exit('refusing to run: interfaces %s exist; run tests/dnssec/run.sh, which '
                    'starts the tests in a private network namespace' % names, returncode=1)
    if os.geteuid() != 0:
        pytest.exit('the fake Internet needs root (addresses on lo, port 53)', returncode=1)


def pytest_collection_modifyitems(config, items):
    known = known_failures()
    seen = set()
    for item in items:
        nodeid = item.nodeid.split('::', 1)[-1] if '::' in item.nodeid else item.nodeid
        nodeid = '%s::%s' % (pathlib.Path(item.fspath).name, nodeid)
        if nodeid in known:
            seen.add(nodeid)
            item.add_marker(pytest.mark.xfail(strict=True, reason='known failure: ' + known[nodeid]))
    # A stale entry of the list is an error only when the whole suite was collected.
    stale = sorted(set(known) - seen)
    whole = (not config.getoption('keyword') and len(config.args) == 1
             and pathlib.Path(config.args[0]).resolve() == HERE)
    if stale and whole:
        raise pytest.UsageError('known-failures.txt names tests that do not exist: %s' % stale)


# kresd(extra_config='', env=None): tests/recursion's fixture, resolving from the
# fake root of `net` below and checked at teardown the same way.
kresd = _rc.kresd


@pytest.fixture(scope='session')
def net(tmp_path_factory):
    """The signed fake Internet, started once; every knotd stopped (by PID) at the end."""
    n = signednet.SignedNet(tmp_path_factory.mktemp('signednet'))
    n.start()
    yield n
    n.stop()


def validating_config(net, extra=''):
    return ("verbose(true)\n"
            "trust_anchors.remove('.')\n"
            "trust_anchors.add('%s')\n" % net.trust_anchor) + extra


@pytest.fixture
def resolver(kresd, net):
    """resolver(extra='', env=None): a validating kresd with the fake root's DS as its anchor."""
    def start(extra='', env=None):
        return kresd(validating_config(net, extra), env)
    return start


def ask(k, name, rdtype='A', do=True, cd=False, ad=False, timeout=6.0):
    """
    One UDP query to kresd (RD, EDNS 1232, DO unless do=False), sent again every
    second while unanswered. @return the reply; fails at once if kresd died.
    """
    q = dns.message.make_query(name, rdtype, use_edns=0, payload=1232, want_dnssec=do)
    if cd:
        q.flags |= dns.flags.CD
    if ad:
        q.flags |= dns.flags.AD
    deadline = time.monotonic() + timeout
    while True:
        if k.proc.poll() is not None:
            raise AssertionError('kresd died (status %s) before answering %s %s:\n%s' % (
                k.proc.returncode, name, rdtype, k.stderr()[-4000:]))
        try:
            return dns.query.udp(q, k.addr, port=k.port, timeout=1.0)
        except dns.exception.Timeout:
            if time.monotonic() > deadline:
                raise AssertionError('no answer to %s %s in %.0f s:\n%s' % (
                    name, rdtype, timeout, log_tail(k)))


def describe(r):
    return '%s flags=%s\n%s' % (dns.rcode.to_text(r.rcode()), dns.flags.to_text(r.flags),
                                '\n'.join(rr.to_text() for rr in r.answer + r.authority))


def log_tail(k, pattern_words=('bogus', 'insecure', 'secure', 'validat', 'BOGUS', 'NSEC'),
             lines=25):
    """The lines of kresd's verbose log that speak about validation (for failure messages)."""
    text = k.stderr().splitlines()
    hits = [line for line in text if any(w in line for w in pattern_words)]
    return '\n'.join((hits or text)[-lines:])


def rdata_texts(r, name, rdtype):
    rdtype = dns.rdatatype.from_text(rdtype) if isinstance(rdtype, str) else rdtype
    name = dns.name.from_text(name) if isinstance(name, str) else name
    out = set()
    for rr in r.answer:
        if rr.name == name and rr.rdtype == rdtype:
            out |= {rd.to_text() for rd in rr}
    return out


def has_rrsig(section, rdtype):
    rdtype = dns.rdatatype.from_text(rdtype) if isinstance(rdtype, str) else rdtype
    return any(rr.rdtype == dns.rdatatype.RRSIG and rr.covers == rdtype for rr in section)
