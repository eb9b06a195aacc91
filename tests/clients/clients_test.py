#!/usr/bin/env python3
"""Client tests against a live hub: the Python client, the curl commands of
docs/work-requests.md, and `ersilia-hub run`.

    clients_test.py HUB_BINARY REPO_ROOT python|docs|run

Each case starts its own hub (`serve --port 0 --port-file F --data-dir D`) and stops it.
"""

import csv
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

MODEL = "eos3b5e"
COLUMN = "mol_weight"
MOLECULES = 100


class Hub:
    def __init__(self, binary, workdir):
        self.data_dir = os.path.join(workdir, "hub-data")
        port_file = os.path.join(workdir, "port")
        self.log_path = os.path.join(workdir, "hub.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--port", "0", "--port-file", port_file, "--data-dir",
             self.data_dir, "--set", "auth.rate_limit.anonymous_login=off",
             "--set", "models.catalog_url="],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while not os.path.exists(port_file):
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                sys.exit("hub did not start:\n" + open(self.log_path).read()[-4000:])
            time.sleep(0.1)
        self.url = "http://127.0.0.1:" + open(port_file).read().strip()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def input_file(repo, workdir):
    shared = os.path.join(repo, "..", "shared", "data", "molecules_50k.csv")
    path = os.path.join(workdir, "in.csv")
    with open(shared) as src, open(path, "w") as dst:
        for i, line in enumerate(src):
            if i > MOLECULES:
                break
            dst.write(line)
    return path


def check(condition, message):
    if not condition:
        sys.exit("FAIL: " + message)


def run(args, **kwargs):
    print("+", " ".join(args), flush=True)
    done = subprocess.run(args, text=True, capture_output=True, timeout=120, **kwargs)
    sys.stderr.write(done.stderr[-4000:])
    check(done.returncode == 0, f"{args[1] if len(args) > 1 else args[0]} exited "
          f"{done.returncode}: {done.stdout[-2000:]}")
    return done


def check_result(path, source):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    check(rows and rows[0] == ["key", "input", COLUMN], f"header of {path}: {rows[:1]}")
    check(len(rows) - 1 == MOLECULES, f"{path} has {len(rows) - 1} data rows, not {MOLECULES}")
    with open(source) as f:
        inputs = [line.strip() for line in f][1:MOLECULES + 1]
    check([r[1] for r in rows[1:]] == inputs, f"{path}: rows not in input order")
    check(all(r[2] for r in rows[1:]), f"{path}: empty {COLUMN} values")


def python_cli(repo, workdir, hub, output):
    source = input_file(repo, workdir)
    run(["/usr/bin/python3", os.path.join(repo, "clients", "python", "ersilia_hub.py"), "run",
         "--server", hub.url, "--model", MODEL, "-i", source, "-o", output, "--header",
         "--key-file", os.path.join(workdir, "key")])
    check_result(output, source)
    return source


def case_python(binary, repo, workdir, hub):
    python_cli(repo, workdir, hub, os.path.join(workdir, "out.csv"))
    cli = [sys.executable, os.path.join(repo, "clients", "python", "ersilia_hub.py")]
    bad = subprocess.run(cli + ["status", "999999", "--server", hub.url, "--key-file",
                                os.path.join(workdir, "key")], capture_output=True, text=True)
    check(bad.returncode == 1 and "999999" in bad.stderr,
          f"status of a missing request: {bad.returncode} {bad.stderr}")


def case_docs(binary, repo, workdir, hub):
    with open(os.path.join(repo, "docs", "work-requests.md")) as f:
        blocks = re.findall(r"^```sh\n(.*?)^```", f.read(), re.S | re.M)
    check(len(blocks) >= 8, f"only {len(blocks)} sh blocks in docs/work-requests.md")
    script = "set -euo pipefail\n" + "\n".join(
        f"echo '--- block {i + 1}' >&2\n{b}" for i, b in enumerate(blocks))
    env = dict(os.environ, HUB=hub.url, HOME=workdir, KEY_FILE=os.path.join(workdir, "key"))
    done = run(["/bin/bash", "-c", script], cwd=workdir, env=env)
    check("COMPLETED" in done.stdout, "no request COMPLETED in the docs' output")
    check_rows = list(csv.reader(open(os.path.join(workdir, "result.csv"))))
    check(len(check_rows) == 5 and check_rows[0][2] == COLUMN, f"docs result.csv: {check_rows}")


def case_run(binary, repo, workdir, hub):
    python_out = os.path.join(workdir, "python.csv")
    source = python_cli(repo, workdir, hub, python_out)
    native_out = os.path.join(workdir, "native.csv")
    run([binary, "run", "--server", hub.url, "--model", MODEL, "-i", source, "-o", native_out,
         "--header", "--key-file", os.path.join(workdir, "key")])
    check_result(native_out, source)
    check(open(native_out).read() == open(python_out).read(),
          "ersilia-hub run and the Python client wrote different results")
    bad = subprocess.run([binary, "run", "--server", hub.url, "--model", "no-such-model", "-i",
                          source, "-o", os.path.join(workdir, "x.csv"), "--key-file",
                          os.path.join(workdir, "key")], capture_output=True, text=True)
    check(bad.returncode == 1 and "no-such-model" in bad.stderr,
          f"run with an unknown model: {bad.returncode} {bad.stderr}")


def main():
    binary, repo, case = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    cases = {"python": case_python, "docs": case_docs, "run": case_run}
    with tempfile.TemporaryDirectory(prefix=f"clients-{case}-") as workdir:
        hub = Hub(binary, workdir)
        try:
            cases[case](binary, repo, workdir, hub)
        except SystemExit:
            hub.stop()
            sys.stderr.write("--- hub log (tail)\n" + open(hub.log_path).read()[-3000:])
            raise
        hub.stop()
    print(f"PASS {case}")


if __name__ == "__main__":
    main()
