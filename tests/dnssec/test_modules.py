# SPDX-License-Identifier: GPL-3.0-or-later
"""
The DNSSEC-related modules on the signed fake Internet (signednet.py):
ta_sentinel (RFC 8509), ta_signal_query (RFC 8145), detect_time_skew and
bogus_log, each loaded explicitly (modules.load() of a loaded module is a no-op,
so the tests hold whether they are default or not) in a validating kresd.
"""
import os
import socket
import time

import dns.rcode
import pytest

import signednet
from conftest import FAKETIME_LIB, ask, describe, rdata_texts

NOERROR, SERVFAIL = dns.rcode.NOERROR, dns.rcode.SERVFAIL
WILD = signednet.wild_addr


def root_keytag(net):
    """The key tag of the fake root's trust anchor ('. IN DS <tag> ...')."""
    return int(net.trust_anchor.split()[3])


def other_keytag(net):
    return (root_keytag(net) + 1) % 65536


def wait_for(pred, timeout=8.0, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(step)
    return pred()


def control(k, cmd, timeout=5.0):
    """One line to kresd's control socket rundir/tty/PID; @return what it wrote back."""
    path = k.workdir / 'tty' / str(k.proc.pid)
    assert wait_for(path.exists, 5), 'no control socket %s' % path
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        s.sendall((cmd + '\n').encode())
        out = b''
        s.settimeout(0.5)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                if out:
                    break
                continue
            if not chunk:
                break
            out += chunk
    return out.decode(errors='replace')


def test_defaults(resolver, net):
    """ta_sentinel, ta_signal_query and detect_time_skew are loaded by default, bogus_log is not."""
    k = resolver()
    loaded = control(k, "table.concat(modules.list(), ' ')").split()
    for name in ('ta_sentinel', 'ta_signal_query', 'detect_time_skew'):
        assert name in loaded, loaded
    assert 'bogus_log' not in loaded
    r = ask(k, sentinel('is', other_keytag(net)), 'A')
    assert r.rcode() == SERVFAIL, describe(r)


# --- ta_sentinel (RFC 8509) -----------------------------------------------------------

def sentinel(kind, tag, zone='ec.lab.'):
    """A name answered by zone's wildcard *.wild (secure in ec.lab.) with the sentinel label."""
    return 'root-key-sentinel-%s-ta-%05d.wild.%s' % (kind, tag, zone)


def test_ta_sentinel(resolver, net):
    """
    Secure answers: is-ta with the root anchor's key tag and not-ta with another
    are answered; is-ta with another tag and not-ta with the anchor's are
    SERVFAIL, whether or not the client set DO; CD, other types and insecure
    answers are left alone.
    """
    k = resolver("modules.load('ta_sentinel')\n")
    ta, other = root_keytag(net), other_keytag(net)
    data = [WILD('ec.lab.')]
    for name, rcode in ((sentinel('is', ta), NOERROR), (sentinel('not', other), NOERROR),
                        (sentinel('is', other), SERVFAIL), (sentinel('not', ta), SERVFAIL)):
        for do in (True, False):
            r = ask(k, name, 'A', do=do)
            assert r.rcode() == rcode, 'DO=%s %s\n%s' % (do, name, describe(r))
            if rcode == NOERROR:
                assert rdata_texts(r, name, 'A') == set(data), describe(r)
    # AAAA is judged too: the wildcard has no AAAA, a secure NODATA.
    r = ask(k, sentinel('is', other), 'AAAA')
    assert r.rcode() == SERVFAIL, describe(r)
    # CD: the answer unchecked, so the sentinel does not apply.
    r = ask(k, sentinel('is', other), 'A', cd=True)
    assert r.rcode() == NOERROR and rdata_texts(r, sentinel('is', other), 'A') == set(data), describe(r)
    # Only A and AAAA.
    r = ask(k, sentinel('is', other), 'TXT')
    assert r.rcode() == NOERROR, describe(r)
    # Insecure answers are not validated: no sentinel.
    name = sentinel('is', other, 'unsigned.lab.')
    r = ask(k, name, 'A')
    assert r.rcode() == NOERROR and rdata_texts(r, name, 'A') == {WILD('unsigned.lab.')}, describe(r)


def test_ta_sentinel_unloaded(resolver, net):
    """modules.unload('ta_sentinel'): every sentinel name is answered as usual."""
    k = resolver("modules.load('ta_sentinel')\nmodules.unload('ta_sentinel')\n")
    r = ask(k, sentinel('is', other_keytag(net)), 'A')
    assert r.rcode() == NOERROR, describe(r)


def test_ta_sentinel_second_anchor(resolver, net):
    """A second root anchor (a DS of another key) makes its tag a trust anchor too."""
    ta = root_keytag(net)
    extra = ('. IN DS %d 8 2 ' % other_keytag(net)) + '00' * 32
    k = resolver("modules.load('ta_sentinel')\ntrust_anchors.add('%s')\n" % extra)
    r = ask(k, sentinel('is', other_keytag(net)), 'A')
    assert r.rcode() == NOERROR, describe(r)
    r = ask(k, sentinel('not', other_keytag(net)), 'A')
    assert r.rcode() == SERVFAIL, describe(r)
    r = ask(k, sentinel('is', ta), 'A')
    assert r.rcode() == NOERROR, describe(r)


# --- bogus_log -----------------------------------------------------------------------------

def test_bogus_log(resolver):
    """One log line per failed request with name, type, zone and reason; frequent() counts."""
    k = resolver("modules.load('bogus_log')\n")
    for name in ('www.tampered.lab.', 'www.tampered.lab.', 'www.expired.lab.'):
        r = ask(k, name, 'A')
        assert r.rcode() == SERVFAIL, describe(r)
    r = ask(k, 'www.ec.lab.', 'A')
    assert r.rcode() == NOERROR
    lines = [line for line in k.stderr().splitlines() if 'DNSSEC validation failure' in line]
    tampered = [line for line in lines if 'www.tampered.lab. A (zone tampered.lab.' in line]
    expired = [line for line in lines if 'www.expired.lab. A (zone expired.lab., EDE 7)' in line]
    assert len(tampered) == 2 and len(expired) == 1, '\n'.join(lines) or k.stderr()[-3000:]
    assert 'client 127.0.0.1' in tampered[0] and 'no valid RRSIG' in tampered[0], tampered[0]
    assert len(lines) == 3, '\n'.join(lines)
    out = control(k, "(function () local o = {} for _, e in ipairs(bogus_log.frequent()) do "
                     "o[#o + 1] = e.name .. ' ' .. e.type .. ' ' .. e.count end "
                     "return table.concat(o, ';') end)()")
    assert 'www.tampered.lab. A 2;www.expired.lab. A 1' in out, out
    assert control(k, '#bogus_log.frequent(1)').strip() == '1'
    control(k, 'bogus_log.clear()')
    assert control(k, '#bogus_log.frequent()').strip() == '0'


# --- ta_signal_query (RFC 8145) ---------------------------------------------------------

def root_null_queries(net):
    return net.knots['root'].queries_of_type('NULL')


def test_ta_signal_query(resolver, net):
    """At start, the query _ta-<root key tag in hex>. NULL is sent to the root, once."""
    before = root_null_queries(net)
    k = resolver("modules.load('ta_signal_query')\n")
    assert wait_for(lambda: root_null_queries(net) > before), 'no NULL query at the root'
    time.sleep(0.5)
    lines = [line for line in k.stderr().splitlines() if '_ta-' in line.lower()]
    # One signal; it reaches the root twice when the answer arrived before the
    # root's keys were known (validate fetches them, iterate asks again).
    assert before + 1 <= root_null_queries(net) <= before + 2, '\n'.join(lines)
    name = '_ta-%04x.' % root_keytag(net)
    assert wait_for(lambda: name in k.stderr().lower()), 'no %s in the log:\n%s' % (
        name, k.stderr()[-3000:])
    out = control(k, 'tostring(ta_signal_query.qname())')
    assert name in out, out


def test_ta_signal_query_unloaded(resolver, net):
    """modules.unload('ta_signal_query') in the config: nothing is sent, and no error."""
    before = root_null_queries(net)
    k = resolver("modules.load('ta_signal_query')\nmodules.unload('ta_signal_query')\n"
                 "modules.load('detect_time_skew')\nmodules.unload('detect_time_skew')\n")
    r = ask(k, 'www.ec.lab.', 'A')
    assert r.rcode() == NOERROR
    time.sleep(1)
    assert root_null_queries(net) == before
    assert 'callback failed' not in k.stderr() and 'attempt to' not in k.stderr(), k.stderr()[-3000:]
    assert 'system clock' not in k.stderr() and 'within the validity' not in k.stderr()


def test_ta_signal_query_no_anchor(kresd, net):
    """Without a root trust anchor nothing is sent."""
    before = root_null_queries(net)
    k = kresd("modules.load('ta_signal_query')\n")
    time.sleep(1.5)
    assert root_null_queries(net) == before
    out = control(k, 'ta_signal_query.qname() == nil')
    assert out.strip() == 'true', out


# --- detect_time_skew ---------------------------------------------------------------------

def _clock_env(tmp_path, when):
    assert os.path.exists(FAKETIME_LIB), '%s not found (Debian package faketime)' % FAKETIME_LIB
    clock = tmp_path / 'faketime'
    clock.write_text(time.strftime('@%Y-%m-%d %H:%M:%S\n', time.gmtime(when)))
    return {'LD_PRELOAD': FAKETIME_LIB, 'FAKETIME_TIMESTAMP_FILE': str(clock),
            'FAKETIME_NO_CACHE': '1', 'FAKETIME_DONT_FAKE_MONOTONIC': '1', 'TZ': 'UTC',
            'ASAN_OPTIONS': 'detect_leaks=0:abort_on_error=0:exitcode=86:verify_asan_link_order=0'}


SKEWS = {
    # the root's signatures are valid from NOW - 1 day to NOW + 30 days (signednet.GOOD_TIMES)
    'behind': (-3 * signednet.DAY, 'behind'),
    'ahead': (40 * signednet.DAY, 'ahead'),
    'none': (0, None),
}


@pytest.mark.parametrize('offset,verdict', SKEWS.values(), ids=SKEWS.keys())
def test_detect_time_skew(resolver, tmp_path, offset, verdict):
    """At start the clock is checked against the root DNSKEY's RRSIGs: a warning when outside."""
    k = resolver("modules.load('detect_time_skew')\n", env=_clock_env(tmp_path, time.time() + offset))
    done = wait_for(lambda: 'system clock is' in k.stderr() or 'within the validity' in k.stderr())
    assert done, 'detect_time_skew said nothing:\n' + k.stderr()[-3000:]
    warnings = [line for line in k.stderr().splitlines()
                if 'detect_time_skew' in line and 'system clock is' in line]
    if verdict is None:
        assert not warnings, '\n'.join(warnings)
        assert 'within the validity' in k.stderr()
    else:
        assert len(warnings) == 1 and verdict in warnings[0], '\n'.join(warnings) or k.stderr()[-3000:]
    out = control(k, 'detect_time_skew.status().clock')
    assert (verdict or 'ok') in out, out


def test_detect_time_skew_no_anchor(kresd, net, tmp_path):
    """Without a root trust anchor there is nothing to check and no query at start."""
    before = net.knots['root'].queries_of_type('DNSKEY')
    k = kresd("modules.load('detect_time_skew')\n", env=_clock_env(tmp_path, time.time() + 40 * 86400))
    time.sleep(1.5)
    assert net.knots['root'].queries_of_type('DNSKEY') == before
    assert 'system clock' not in k.stderr()
