# SPDX-License-Identifier: GPL-3.0-or-later
"""Four forks share one cache; SIGKILLing forks under load neither wedges nor corrupts it."""
import os
import signal
import socket
import subprocess
import threading
import time

import dns.exception
import dns.message
import dns.query
import dns.rdatatype

import conftest
from conftest import KRESD, MODULE_DIR, Kresd, check_answer


def control(path, line, timeout=5.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(path))
    s.sendall(line.encode() + b'\n')
    s.shutdown(socket.SHUT_WR)
    out = b''
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    return out.decode()


def test_forks_killed_under_load(net, tree, tmp_path):
    rundir = tmp_path / 'rundir'
    k = Kresd(rundir, next(conftest._ports))   # writes the config
    env = dict(os.environ, KRESD_MODULE_DIR=str(MODULE_DIR), ASAN_OPTIONS='detect_leaks=0')
    err = open(rundir / 'stderr.log', 'wb')
    proc = subprocess.Popen([str(KRESD), '-n', '-f', '4', '-c', 'config', str(rundir)], cwd=rundir,
                            env=env, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    tty = rundir / 'tty'
    deadline = time.monotonic() + 10
    while (not tty.exists() or len(os.listdir(tty)) < 4) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(os.listdir(tty)) == 4, (rundir / 'stderr.log').read_text()
    children = [int(p) for p in os.listdir(tty) if int(p) != proc.pid]
    assert len(children) == 3

    questions = [q for q in tree.questions() if q[1] == dns.rdatatype.A][:300]
    stop = threading.Event()
    answered, lost = [0], [0]

    def load():
        i = 0
        while not stop.is_set():   # bounded by the 4 s below
            name, rdtype = questions[i % len(questions)]
            i += 1
            try:
                dns.query.udp(dns.message.make_query(name, rdtype), k.addr, port=k.port, timeout=1.0)
                answered[0] += 1
            except Exception:
                lost[0] += 1

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for pid in children:   # one fork killed every second
            time.sleep(1.0)
            os.kill(pid, signal.SIGKILL)
        time.sleep(1.0)
    finally:
        stop.set()
        for t in threads:
            t.join()
    # The leader still serves, correctly, and its cache is sane. Asked as a stub
    # asks (retrying over UDP); a leader silent for all tries fails with its log.
    for name, rdtype in questions[:30]:
        for attempt in range(3):
            try:
                _, r = k.query(name, rdtype, timeout=4.0)
                break
            except dns.exception.Timeout:
                assert attempt < 2, 'the leader stopped answering:\n' + \
                    (rundir / 'stderr.log').read_text(errors='replace')[-3000:]
        assert not check_answer(tree, name, rdtype, r)
    count = control(tty / str(proc.pid), 'cache.count()').strip()
    assert count.isdigit() and int(count) > 0, count
    assert answered[0] > 100, (answered, lost)
    # Killed forks lose the queries they held; the rest were answered.
    assert lost[0] <= answered[0] // 4, (answered, lost)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    err.close()
    text = (rundir / 'stderr.log').read_text(errors='replace')
    assert 'AddressSanitizer' not in text and 'runtime error:' not in text, text[-3000:]
    # A fresh start opens the same cache and answers from it.
    before = net.counts()
    again = Kresd(rundir, next(conftest._ports)).start()
    try:
        for name, rdtype in questions[:30]:
            _, r = again.query(name, rdtype)
            assert not check_answer(tree, name, rdtype, r)
    finally:
        assert again.stop() == 0, again.stderr()
    assert sum(net.diff(net.counts(), before).values()) == 0
