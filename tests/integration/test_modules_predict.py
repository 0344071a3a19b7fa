# SPDX-License-Identifier: GPL-3.0-or-later
"""
The predict plugin against a fake authoritative root (test_modules_fakeauth.py):
an answer handed out near expiry is fetched again at once (the wall clock is
moved with libfaketime, see test_modules_detect_time_jump.py), and a name
asked in two windows is refreshed before it expires.
"""
import time

import dns.rcode

from test_control import ask, control_path
from test_modules_detect_time_jump import clock, wait_for  # noqa: F401 (clock: a fixture)
from test_modules_fakeauth import fake_auth  # noqa: F401 (fixture)


def ttl_of(r):
    return r.answer[0].ttl


def test_prefetch_near_expiry(kresd, fake_auth, clock):
    auth = fake_auth(['pf.lab. 100 IN A 192.0.2.20', 'other.lab. 100 IN A 192.0.2.21'])
    k = kresd(auth.config() + "modules.load('predict')\n")
    assert 'predict' in ask(control_path(k), "table.concat(modules.list(), ' ')\n").split()
    order = ask(control_path(k), "table.concat(modules.list(), ' ')\n").split()
    assert order.index('predict') < order.index('cache'), order
    q, r = k.query('pf.lab.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and auth.asked('pf.lab.', 'A') == 1
    k.query('other.lab.', 'A')
    # Half-way through the TTL: answered from the cache, nothing refreshed.
    clock('+50s')
    q, r = k.query('pf.lab.', 'A')
    assert ttl_of(r) <= 51
    time.sleep(1)
    assert auth.asked('pf.lab.', 'A') == 1
    # In the last 10% of the TTL: the cached answer goes out and a refresh follows.
    clock('+92s')
    q, r = k.query('pf.lab.', 'A')
    assert r.answer[0][0].to_text() == '192.0.2.20' and ttl_of(r) <= 10, ttl_of(r)
    assert wait_for(lambda: auth.asked('pf.lab.', 'A') == 2), auth.asked('pf.lab.', 'A')
    # The refresh was stored: the next answer has a fresh TTL and costs no upstream query.
    assert wait_for(lambda: ttl_of(k.query('pf.lab.', 'A')[1]) > 90)
    assert auth.asked('pf.lab.', 'A') == 2
    # A name nobody asked near its expiry is not refreshed.
    assert auth.asked('other.lab.', 'A') == 1
    out = ask(control_path(k), 'predict.stats()\n')
    assert '[prefetched] => 1' in out, out


def test_popular_names_refreshed_by_window(kresd, fake_auth):
    """Windows of 2.4 s: a name asked in two windows, expiring within the next, is refreshed."""
    auth = fake_auth(['pop.lab. 5 IN A 192.0.2.30', 'once.lab. 5 IN A 192.0.2.31'])
    k = kresd(auth.config() + "modules = { predict = { window = 0.04, period = 3 } }\n")
    t0 = time.monotonic()
    k.query('pop.lab.', 'A')
    k.query('once.lab.', 'A')
    assert auth.asked('pop.lab.', 'A') == 1
    time.sleep(max(0, t0 + 2.6 - time.monotonic()))   # the second window
    q, r = k.query('pop.lab.', 'A')
    assert auth.asked('pop.lab.', 'A') == 1           # from the cache
    # At the end of the second window (about 4.8 s) pop.lab expires within the next:
    # refreshed before it expires (at 5 s); once.lab is not.
    assert wait_for(lambda: auth.asked('pop.lab.', 'A') == 2, timeout=4), k.stderr()
    assert time.monotonic() - t0 < 5.5
    assert '[predict] refreshing 1 popular answers' in k.stderr()
    assert auth.asked('once.lab.', 'A') == 1
    q, r = k.query('pop.lab.', 'A')
    assert r.answer[0][0].to_text() == '192.0.2.30'
    assert auth.asked('pop.lab.', 'A') == 2
    out = ask(control_path(k), 'predict.stats()\n')
    assert '[predicted] => 1' in out, out


def test_config_and_unload(kresd, fake_auth):
    auth = fake_auth(['u.lab. 100 IN A 192.0.2.40'])
    k = kresd(auth.config() + "modules.load('predict')\n")
    path = control_path(k)
    for bad in ("{window = 0}", "{period = 65}", "{period = 1.5}", "{nope = 1}", "'x'"):
        out = ask(path, "predict.config(%s)\n" % bad)
        assert out.startswith('error:'), (bad, out)
    out = ask(path, "predict.settings()\n")
    assert '[window] => 15' in out and '[period] => 24' in out and '[window_ms] => 900000' in out, out
    assert ask(path, "predict.config({window = 30, period = 48}) or predict.settings().period\n").strip() == '48'
    assert ask(path, "modules.unload('predict')\n").strip() == 'true'
    q, r = k.query('u.lab.', 'A')
    assert r.rcode() == dns.rcode.NOERROR
    time.sleep(1)   # the timers found the plugin gone and stopped, without errors
    assert 'error' not in k.stderr().lower(), k.stderr()
