# SPDX-License-Identifier: GPL-3.0-or-later
"""
Checks of an installed kresd, run by tests/install/run.sh inside a private
network namespace (never run it elsewhere: it starts a resolver).

  check.py hello KRESD MODULEDIR     the out-of-tree hello plugin, counted exactly
  check.py measure KRESD MODULEDIR LABEL
                                     start-up time and idle RSS (printed as MEASURE:)
"""
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

import dns.flags
import dns.message
import dns.rcode

PORT = 21600   # below the ephemeral port range
SANITIZER_MARKS = ('ERROR: AddressSanitizer', 'runtime error:', 'SUMMARY: UndefinedBehaviorSanitizer')


def fail(msg):
    print('install check: FAIL: %s' % msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def env_for(moduledir):
    env = dict(os.environ)
    env['KRESD_MODULE_DIR'] = moduledir
    env['ASAN_OPTIONS'] = 'detect_leaks=0:exitcode=86'
    env['UBSAN_OPTIONS'] = 'halt_on_error=1:exitcode=87'
    return env


class Kresd:
    def __init__(self, kresd, moduledir, config, interactive):
        self.dir = tempfile.mkdtemp(prefix='kresd-install-run.')
        with open(os.path.join(self.dir, 'config'), 'w') as f:
            f.write("net.listen('127.0.0.1', %d)\nnet.listen('::1', %d)\n" % (PORT, PORT) + config)
        self.err = open(os.path.join(self.dir, 'stderr'), 'w+')
        args = [kresd, '-c', 'config', self.dir] + ([] if interactive else ['-n'])
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(args, cwd=self.dir, env=env_for(moduledir),
                                     stdin=subprocess.PIPE if interactive else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE if interactive else subprocess.DEVNULL,
                                     stderr=self.err)
        self.lines = []
        self.cv = threading.Condition()
        if interactive:
            threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            with self.cv:
                self.lines.append(line.decode(errors='replace'))
                self.cv.notify_all()
        with self.cv:
            self.lines.append(None)
            self.cv.notify_all()

    def cli(self, cmd, timeout=5):
        """Run a CLI line; @return its output. A marker line ends the output (and proves kresd runs)."""
        marker = '__end_%d__' % time.monotonic_ns()
        self.proc.stdin.write(('%s\n%r\n' % (cmd, marker)).encode())
        self.proc.stdin.flush()
        out = []
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                while not self.lines:
                    left = deadline - time.monotonic()
                    check(left > 0 and self.proc.poll() is None,
                          'no CLI answer to %r (got %r)\n%s' % (cmd, out, self.stderr()))
                    self.cv.wait(left)
                line = self.lines.pop(0)
                check(line is not None, 'kresd closed stdout\n' + self.stderr())
                if line.strip() == marker:
                    return ''.join(out)
                out.append(line)

    def stderr(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def stop(self):
        self.proc.terminate()
        try:
            rc = self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail('kresd did not exit on SIGTERM')
        err = self.stderr()
        self.err.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        check(rc == 0, 'kresd exited with %d on SIGTERM\n%s' % (rc, err))
        check(not any(m in err for m in SANITIZER_MARKS), 'sanitizer report:\n' + err)


def udp(q, addr='127.0.0.1', timeout=2):
    with socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(q.to_wire(), (addr, PORT))
        try:
            return dns.message.from_wire(s.recv(65535))
        except socket.timeout:
            return None


def tcp(q):
    with socket.create_connection(('127.0.0.1', PORT), timeout=3) as s:
        w = q.to_wire()
        s.sendall(struct.pack('!H', len(w)) + w)
        n = struct.unpack('!H', s.recv(2, socket.MSG_WAITALL))[0]
        return dns.message.from_wire(s.recv(n, socket.MSG_WAITALL))


def txts(r):
    return [rd.to_text() for rrset in r.answer for rd in rrset]


def run_hello(kresd, moduledir):
    # No root anchor: the DNSSEC modules' own queries at start (ta_signal_query,
    # detect_time_skew) would be counted by hello beside the ones sent here.
    k = Kresd(kresd, moduledir, "trust_anchors.remove('.')\nmodules.load('hello < iterate')\n",
              interactive=True)
    try:
        # The CLI answers only once the config ran and the sockets listen: no probe queries.
        check(k.cli("'ready'") == 'ready\n', 'CLI not working')
        check('hello' in k.cli('modules.list()'), 'hello not loaded')
        sent = greeted = 0
        for proto, name in (('udp', 'hello.example.'), ('tcp', 'HELLO.example.'), ('udp', 'hello.example.')):
            q = dns.message.make_query(name, 'TXT')
            r = udp(q) if proto == 'udp' else tcp(q)
            sent += 1
            greeted += 1
            check(r is not None and r.id == q.id, 'no answer to %s over %s' % (name, proto))
            check(r.rcode() == dns.rcode.NOERROR, 'rcode %s' % dns.rcode.to_text(r.rcode()))
            check(r.flags & dns.flags.AA, 'AA not set')
            check(txts(r) == ['"hello"'], 'answer %s' % txts(r))
            check(r.answer[0].ttl == 60 and r.answer[0].name.to_text() == name, str(r.answer[0]))
        # Other questions: hints answers localhost; nobody answers the rest (SERVFAIL).
        for name, rdtype, rcode, data in (('localhost.', 'A', dns.rcode.NOERROR, ['127.0.0.1']),
                                          ('hello.example.', 'A', dns.rcode.SERVFAIL, []),
                                          ('other.example.', 'TXT', dns.rcode.SERVFAIL, [])):
            q = dns.message.make_query(name, rdtype)
            r = udp(q)
            sent += 1
            check(r is not None and r.rcode() == rcode and txts(r) == data,
                  '%s %s: %s' % (name, rdtype, r))
        check(k.cli("hello.name('greet.lab.')") == 'greet.lab.\n', 'hello.name() did not set the name')
        q = dns.message.make_query('greet.lab.', 'TXT')
        r = udp(q)
        sent += 1
        greeted += 1
        check(r is not None and txts(r) == ['"hello"'], 'greet.lab.: %s' % r)
        out = k.cli('hello.count()')
        want = '[greeted] => %d\n[requests] => %d\n' % (greeted, sent)
        check(out == want, 'hello.count() said %r, expected %r' % (out, want))
        print('install check: hello plugin answered %d of %d requests, counted exactly' % (greeted, sent))
    finally:
        k.stop()


def run_measure(kresd, moduledir, label):
    times, rss = [], None
    for i in range(5):
        k = Kresd(kresd, moduledir, "hints.set('www.lab 192.0.2.1')\n", interactive=False)
        q = dns.message.make_query('www.lab.', 'A')
        deadline = k.t0 + 5
        # A connected socket learns at once (ICMP port unreachable) that nobody listens yet.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(('127.0.0.1', PORT))
            s.settimeout(0.05)
            while True:
                check(time.monotonic() < deadline and k.proc.poll() is None, 'kresd did not start\n' + k.stderr())
                try:
                    s.send(q.to_wire())
                    r = dns.message.from_wire(s.recv(65535))
                    if r.id == q.id:
                        break
                except ConnectionRefusedError:
                    time.sleep(0.001)
                except socket.timeout:
                    pass
        times.append(time.monotonic() - k.t0)
        if i == 4:
            for _ in range(100):
                udp(dns.message.make_query('www.lab.', 'A'))
            time.sleep(0.2)
            with open('/proc/%d/status' % k.proc.pid) as f:
                rss = next(int(line.split()[1]) for line in f if line.startswith('VmRSS:'))
        k.stop()
    print('MEASURE: start-up (exec to first answer), %s: %.0f ms median of 5 (min %.0f, max %.0f)'
          % (label, statistics.median(times) * 1000, min(times) * 1000, max(times) * 1000))
    print('MEASURE: idle RSS after 100 queries, %s: %d kB' % (label, rss))


if __name__ == '__main__':
    names = sorted(name for _, name in socket.if_nameindex())
    check(names == ['lo'], 'not in a private network namespace (interfaces %s)' % names)
    if sys.argv[1] == 'hello':
        run_hello(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'measure':
        run_measure(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        fail('unknown mode %s' % sys.argv[1])
