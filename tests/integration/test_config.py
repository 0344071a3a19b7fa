# SPDX-License-Identifier: GPL-3.0-or-later
"""Configuration errors, the stdin CLI, and the refusal of a plugin built for another ABI."""
import re
import subprocess

import dns.rcode
import pytest

from conftest import KRESD, make_query, next_port, plugin_abi

# (config body; the bad line is marked with --BAD; what stderr must also say)
BAD_CONFIGS = {
    'syntax-error': ("verbose(false)\n-- a comment\nx = = 1 --BAD\nnet.listen('127.0.0.1', 53)\n",
                     "unexpected symbol"),
    'unknown-function': ("local a = 1\n\nif a == 1 then\n\tno_such_function(a) --BAD\nend\n",
                         "no_such_function"),
    'missing-plugin': ("-- plugins\nmodules.load('nonexistent') --BAD\n", "nonexistent"),
    'missing-plugin-table': ("modules = {\n\t'hints',\n\t'nonexistent',\n} --BAD\n", "nonexistent"),
    'listen-not-an-ip': ("net.listen('127.0.0.1', %(port)d)\nnet.listen('not-an-ip', %(port)d) --BAD\n",
                         "not an IP address"),
    'listen-bad-port': ("net.listen('127.0.0.1', 70000) --BAD\n", "out of range"),
    'bad-bufsize': ("net.bufsize(100) --BAD\n", "512-65535"),
    # error() locates the error where it is called.
    'error-in-function': ("local function f()\n\terror('deliberate') --BAD\nend\n\nf()\n", "deliberate"),
    'error-in-c-function': ("local function f()\n\tnet.bufsize(1) --BAD\nend\n\nf()\n", "512-65535"),
    'hints-missing-file': ("hints.add_hosts('/nonexistent/hosts') --BAD\n", "/nonexistent/hosts"),
    'badabi-unprotected': ("modules.load('badabi') --BAD\n", "rebuild it"),
    'env-read-only': ("env.FOO = 'x' --BAD\n", "read-only"),
}


def bad_line(config):
    for n, line in enumerate(config.splitlines(), 1):
        if line.endswith('--BAD'):
            return n
    raise AssertionError('no --BAD line')


@pytest.mark.parametrize('case', sorted(BAD_CONFIGS))
@pytest.mark.parametrize('path', ['relative', 'absolute'])
def test_config_error_location(run_kresd, tmp_path, case, path):
    body, words = BAD_CONFIGS[case]
    body = body % {'port': next_port()} if '%(port)' in body else body
    name = 'config' if path == 'relative' else str(tmp_path / 'bad.conf')
    if path == 'absolute':
        (tmp_path / 'bad.conf').write_text(body)
        rc, err, secs = run_kresd('', args=['-c', name])
    else:
        rc, err, secs = run_kresd(body, name='config')
    assert rc != 0
    assert secs < 3, 'took %.1f s to give up' % secs
    prefix = '%s:%d:' % (name, bad_line(body))
    assert prefix in err, 'expected %r in:\n%s' % (prefix, err)
    assert words in err, err
    # The location is said once per message, not repeated.
    assert err.count(prefix + ' ' + name + ':') == 0, err


def test_missing_config_file(run_kresd, tmp_path):
    rc, err, secs = run_kresd('', args=['-c', str(tmp_path / 'nope.conf')])
    assert rc != 0 and 'nope.conf' in err and secs < 3


@pytest.mark.parametrize('args,words', [
    (['-a', 'not-an-ip@53'], 'not an IP address'),
    (['-a', '127.0.0.1@0'], 'bad port'),
    (['-a', '127.0.0.1@99999'], 'bad port'),
    (['-f', '0'], 'from 1 to 256'),
    (['--no-such-option'], 'Usage'),
])
def test_bad_command_line(run_kresd, args, words):
    rc, err, secs = run_kresd('', args=args)
    assert rc != 0 and words in err, err


def test_version_and_help():
    out = subprocess.run([str(KRESD), '-V'], capture_output=True, text=True, timeout=5)
    assert out.returncode == 0 and re.match(r'kresd, version \d+\.\d+', out.stdout)
    out = subprocess.run([str(KRESD), '-h'], capture_output=True, text=True, timeout=5)
    assert out.returncode == 0 and 'Usage: kresd' in out.stdout


def test_listen_on_command_line(kresd):
    """-a ADDR@PORT works without any net.listen in the config."""
    port = next_port()
    k = kresd('', listen=False, port=port, args=['-a', '127.0.0.1@%d' % port, '-a', '::1#%d' % port])
    for addr in ('127.0.0.1', '::1'):
        q = make_query('localhost.', 'A')
        r = k.udp(q, addr=addr)
        assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '127.0.0.1'


def test_cli_survives_errors(kresd):
    k = kresd('', interactive=True)
    out = k.cli("modules.load('nope')")
    assert out.startswith('error: '), out
    assert 'nope' in out and out.count('\n') == 1, out
    assert k.cli('hello = 1+1') == ''
    assert k.cli('hello') == '2\n'
    out = k.cli('this is not lua')
    assert out.startswith('error: '), out
    out = k.cli("error('boom')")
    assert out.startswith('error: ') and 'boom' in out, out
    out = k.cli("net.listen('not-an-ip', 53)")
    assert out.startswith('error: ') and 'not an IP address' in out, out
    assert k.cli('net.bufsize()') == '1232\n'
    assert k.alive()
    q, r = k.query('localhost.', 'AAAA')
    assert r.id == q.id and r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '::1'
    q, r = k.query('localhost.', 'A', proto='tcp')
    assert r.rcode() == dns.rcode.NOERROR


def test_cli_eof_keeps_serving(kresd):
    """kresd with a CLI keeps serving after its stdin is closed."""
    k = kresd('', interactive=True)
    k.proc.stdin.close()
    q, r = k.query('localhost.', 'A')
    assert r.rcode() == dns.rcode.NOERROR
    assert k.alive()


def test_cli_quit(kresd):
    k = kresd('', interactive=True)
    k.proc.stdin.write(b'quit()\n')
    k.proc.stdin.flush()
    assert k.wait(3) == 0


def abi_message(name='badabi'):
    abi = plugin_abi()
    return re.compile(r'plugin %s \(.*/%s\.so\) was built for ABI %d, this kresd has %d: rebuild it'
                      % (name, name, abi + 1, abi))


def test_abi_refusal_in_config(kresd):
    k = kresd("local ok, err = pcall(modules.load, 'badabi')\n"
              "assert(not ok)\n"
              "io.stderr:write('REFUSED: ', err, '\\n')\n")
    err = k.stderr()
    line = [ln for ln in err.splitlines() if ln.startswith('REFUSED: ')]
    assert len(line) == 1, err
    assert abi_message().search(line[0]), line[0]
    # Not half-loaded: queries are answered as usual.
    q, r = k.query('localhost.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '127.0.0.1'


def test_abi_refusal_in_cli(kresd):
    k = kresd('', interactive=True)
    out = k.cli("modules.load('badabi')")
    assert out.startswith('error: ') and abi_message().search(out), out
    out = k.cli('modules.list()')
    assert 'hints' in out and 'badabi' not in out, out
    assert k.cli('badabi') == 'nil\n'
    q, r = k.query('localhost.', 'A', proto='tcp')
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '127.0.0.1'
    # A good plugin still loads afterwards, and works.
    assert k.cli("modules.load('delay')") == 'true\n'
    assert 'delay' in k.cli('modules.list()')
