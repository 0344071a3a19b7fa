# SPDX-License-Identifier: GPL-3.0-or-later
"""
The detect_time_jump plugin: kresd's wall clock is moved with libfaketime (a
timestamp file re-read on every call, the monotonic clock left real, as
tests/scenarios do); a jump back or ahead beyond the threshold clears the
cache, a small one does not.
"""
import os
import re
import time

import dns.rcode
import pytest

import conftest
from test_control import ask, control_path
from test_modules_fakeauth import fake_auth  # noqa: F401 (fixture)

FAKETIME_LIB = os.environ.get('KRESD_FAKETIME_LIB', '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1')


@pytest.fixture
def clock(tmp_path, monkeypatch):
    """Run the kresd of this test under libfaketime; @return a function setting the offset."""
    if not os.path.exists(FAKETIME_LIB):
        pytest.fail('libfaketime not found at %s (Debian package faketime)' % FAKETIME_LIB)
    path = tmp_path / 'faketime'

    def set_offset(offset):
        tmp = path.with_suffix('.tmp')
        tmp.write_text(offset + '\n')
        os.replace(tmp, path)

    set_offset('+0')
    plain = conftest.kresd_env

    def env(moduledir):
        e = plain(moduledir)
        e['ASAN_OPTIONS'] += ':verify_asan_link_order=0'
        e.update(LD_PRELOAD=FAKETIME_LIB, FAKETIME_TIMESTAMP_FILE=str(path), FAKETIME_NO_CACHE='1',
                 FAKETIME_DONT_FAKE_MONOTONIC='1', TZ='UTC')
        e.pop('FAKETIME', None)
        return e

    monkeypatch.setattr(conftest, 'kresd_env', env)
    return set_offset


def count(k):
    return int(ask(control_path(k), 'cache.count()\n'))


def wait_for(cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def jump_logged(k, direction, secs):
    """The module's log line for a jump of about secs (the clock and the checks tick apart)."""
    found = re.findall(r'\[detect_time_jump\] %s time jump of (\d+) s: cache cleared' % direction,
                       k.stderr())
    return any(abs(int(v) - secs) <= 5 for v in found)


def test_jumps_clear_the_cache(kresd, fake_auth, clock):
    auth = fake_auth(['www.lab. 3600 IN A 192.0.2.1'])
    k = kresd(auth.config() + "modules = { detect_time_jump = { threshold = 60 * sec, period = 200 } }\n")
    q, r = k.query('www.lab.', 'A')
    assert r.rcode() == dns.rcode.NOERROR
    assert count(k) > 0
    # Half a minute back: below the threshold, the cache stays.
    clock('-30s')
    time.sleep(1)
    assert count(k) > 0
    assert 'time jump' not in k.stderr()
    # Two hours back: cleared.
    clock('-2h')
    assert wait_for(lambda: count(k) == 0), k.stderr()
    assert wait_for(lambda: jump_logged(k, 'backward', 7170)), k.stderr()
    # The name is asked upstream again, then a day ahead clears it again.
    asked = auth.asked('www.lab.', 'A')
    q, r = k.query('www.lab.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and auth.asked('www.lab.', 'A') == asked + 1
    assert count(k) > 0
    clock('+1d')
    assert wait_for(lambda: count(k) == 0), k.stderr()
    assert wait_for(lambda: jump_logged(k, 'forward', 93600)), k.stderr()
    out = ask(control_path(k), "detect_time_jump.settings()\n")
    assert '[backward] => 1' in out and '[forward] => 1' in out and '[threshold] => 60000' in out, out


def test_unloaded_no_longer_clears(kresd, fake_auth, clock):
    auth = fake_auth(['www.lab. 3600 IN A 192.0.2.1'])
    k = kresd(auth.config() + "modules = { detect_time_jump = { period = 200 } }\n")
    assert ask(control_path(k), "modules.unload('detect_time_jump')\n").strip() == 'true'
    q, r = k.query('www.lab.', 'A')
    assert count(k) > 0
    clock('-2h')
    time.sleep(1)
    assert count(k) > 0
    assert 'time jump' not in k.stderr()


def test_loaded_by_default(kresd):
    k = kresd('')
    assert 'detect_time_jump' in ask(control_path(k), "table.concat(modules.list(), ' ')\n").split()
    out = ask(control_path(k), "detect_time_jump.settings()\n")
    assert '[backward] => 0' in out and '[forward] => 0' in out, out


def test_bad_config(kresd):
    k = kresd("modules.load('detect_time_jump')\n")
    for bad in ("{threshold = -1}", "{period = 'x'}", "{nope = 1}", "5"):
        out = ask(control_path(k), "detect_time_jump.config(%s)\n" % bad)
        assert out.startswith('error:'), (bad, out)
    out = ask(control_path(k), "detect_time_jump.settings()\n")
    assert '[threshold] => 600000' in out and '[period] => 60000' in out, out
