# bleu_refrun.py -- shared helper for the BLEU golden generators (bleu_cli.py, bleu_api.py,
# bleu_crosscheck.py): locates a sacreBLEU source checkout and runs its CLI the way the
# installed `sacrebleu` console script runs it, in a clean environment.
#
# Not run directly. The reference used for the goldens in testdata/bleu/ is sacreBLEU 2.6.0
# (github.com/mjpost/sacrebleu at commit f615c72), run with Debian 12's Python 3.11.2,
# numpy 1.24.2, regex 2.5.123, tabulate 0.8.9, colorama 0.4.6, and no `wcwidth` module (with
# wcwidth, tabulate counts East Asian wide characters as two columns in table layouts).
#
# The sacreBLEU location comes from --sacrebleu DIR or the environment variable SACREBLEU_SRC
# (DIR is the checkout root, the directory that contains the `sacrebleu` package). A plain
# checkout has no sacrebleu/version.py (setuptools_scm writes it at build time); the launcher
# then provides `sacrebleu.version` with __version__ = "2.6.0" in memory and leaves the
# checkout untouched.

import os
import subprocess
import sys
import tempfile

EXPECTED_VERSION = "2.6.0"

# The launcher (called as `python3 -c LAUNCHER SRC ARGS...`) makes argparse's prog "sacrebleu" (as with the installed console script, not
# "__main__.py" as with `python3 -m sacrebleu`), so usage/version texts match an installed
# sacreBLEU.
LAUNCHER = r"""
import os, sys, types
src = sys.argv.pop(1)
if not os.path.exists(os.path.join(src, 'sacrebleu', 'version.py')):
    m = types.ModuleType('sacrebleu.version')
    m.__version__ = '2.6.0'
    sys.modules['sacrebleu.version'] = m
sys.argv[0] = 'sacrebleu'
from sacrebleu.sacrebleu import main
main()
"""

# Same thing, for importing the API in-process.
def import_sacrebleu(src):
    import types
    src = os.path.abspath(src)
    if src not in sys.path:
        sys.path.insert(0, src)
    if not os.path.exists(os.path.join(src, "sacrebleu", "version.py")):
        m = types.ModuleType("sacrebleu.version")
        m.__version__ = EXPECTED_VERSION
        sys.modules["sacrebleu.version"] = m
    import sacrebleu  # noqa: E402
    if sacrebleu.__version__ != EXPECTED_VERSION:
        print(f"warning: sacreBLEU reports version {sacrebleu.__version__}, goldens are for "
              f"{EXPECTED_VERSION}", file=sys.stderr)
    return sacrebleu


def add_source_arg(parser):
    parser.add_argument(
        "--sacrebleu", default=os.environ.get("SACREBLEU_SRC"),
        help="sacreBLEU 2.6.0 source checkout (the directory holding the `sacrebleu` package); "
             "default: $SACREBLEU_SRC")
    parser.add_argument(
        "--python", default=sys.executable,
        help="Python interpreter that runs sacreBLEU (default: the one running this script)")


def resolve_source(args):
    if not args.sacrebleu:
        sys.exit("error: give --sacrebleu DIR or set SACREBLEU_SRC")
    src = os.path.abspath(args.sacrebleu)
    if not os.path.isfile(os.path.join(src, "sacrebleu", "sacrebleu.py")):
        sys.exit(f"error: {src} does not look like a sacreBLEU checkout "
                 "(no sacrebleu/sacrebleu.py)")
    return src


class Runner:
    """Runs the sacreBLEU CLI in a clean environment: only PATH, HOME (an empty temporary
    directory, so no ~/.sacrebleu and no user site-packages), LANG=C.UTF-8 and PYTHONPATH,
    plus the case's own variables. stdout/stderr are pipes (not a terminal)."""

    def __init__(self, src, python):
        self.src = src
        self.python = python
        self.home = tempfile.mkdtemp(prefix="bleu-golden-home-")

    def env(self, extra=None):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.home,
            "LANG": "C.UTF-8",
            "PYTHONPATH": self.src,
        }
        if extra:
            env.update(extra)
        return env

    def run(self, args, cwd, env=None, stdin=None, timeout=600):
        """Returns (stdout bytes, stderr bytes, exit code). stdin is a path relative to cwd
        or None (then stdin is empty, /dev/null)."""
        cmd = [self.python, "-c", LAUNCHER, self.src] + list(args)
        fin = open(os.path.join(cwd, stdin), "rb") if stdin else subprocess.DEVNULL
        try:
            p = subprocess.run(cmd, cwd=cwd, env=self.env(env), stdin=fin,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        finally:
            if stdin:
                fin.close()
        return p.stdout, p.stderr, p.returncode

    def run_tty(self, args, cwd, env=None, stdin=None, timeout=600):
        """Like run(), but stdout is the slave side of a pseudo-terminal in raw mode (so no
        "\\n" -> "\\r\\n" translation happens), which makes sacreBLEU/colorama keep colours."""
        import threading
        import tty
        cmd = [self.python, "-c", LAUNCHER, self.src] + list(args)
        master, slave = os.openpty()
        tty.setraw(slave)
        fin = open(os.path.join(cwd, stdin), "rb") if stdin else subprocess.DEVNULL
        try:
            p = subprocess.Popen(cmd, cwd=cwd, env=self.env(env), stdin=fin, stdout=slave,
                                 stderr=subprocess.PIPE)
        finally:
            os.close(slave)
            if stdin:
                fin.close()
        err = []
        t = threading.Thread(target=lambda: err.append(p.stderr.read()))
        t.start()
        chunks = []
        while True:
            try:
                b = os.read(master, 65536)
            except OSError:          # EIO once the child has closed the terminal
                break
            if not b:
                break
            chunks.append(b)
        os.close(master)
        p.wait(timeout=timeout)
        t.join()
        return b"".join(chunks), err[0], p.returncode

    def versions(self):
        code = ("import sys, importlib.util, numpy, regex, tabulate, colorama; "
                "print(sys.version.split()[0], numpy.__version__, regex.__version__, "
                "tabulate.__version__, colorama.__version__, 'wcwidth:' + "
                "('present' if importlib.util.find_spec('wcwidth') else 'absent'))")
        p = subprocess.run([self.python, "-c", code], env=self.env(), capture_output=True,
                           text=True)
        return p.stdout.strip()
