#!/usr/bin/python3
"""Work-request benchmark: the hub end to end against its peers, measured in one run.

Usage (bench/run_jobs.sh passes the paths):
    jobs_benchmark.py --binary build/src/hub/cli/ersilia-hub --http-load build/bench/http_load
        --input ../shared/data/molecules_50k.csv [--molecules N] [--big-rows N]
        [--threads T] [--chunks-per-instance C] [--api-seconds S] [--output FILE]

Phases, each against a hub started here (`ersilia-hub serve`, embedded SQLite defaults in a
temporary data directory, one eos3b5e instance with T compute threads taking C chunks at once):

  1. e2e       the input uploaded as CSV, waited for (status polled every 100 ms) and its CSV
               result downloaded: molecules per second, end to end; repeated --repeat times,
               each run followed by a run of the two baselines of phase 5 (taking turns keeps
               a change in the machine's speed from favouring one side); medians reported;
  2. e2e+cache the same rows submitted by an account that opts in (the rows are written to the
               shared result cache as they are computed);
  3. cached    the same rows again, --repeat times: every row comes from the cache;
  4. api       submit-and-poll: client processes each submit a 10-molecule request (molecules
               phase 2 cached, so this is the API, intake and store path, not the model), then
               poll it until it ends; API requests per second;
  5. baseline  (in turns with phase 1) `ersilia-hub model-server` alone (bench/http_load: T threads, C clients,
               1000-molecule chunks over keep-alive HTTP), then the plain Python RDKit script
               (bench/python/model_baseline.py, one process);
  6. big       a fresh hub takes one request of --big-rows rows, made distinct by suffixing
               copies k > 0 of the input with k disconnected carbons ('.C' * k), so every row
               is computed (--big-repeat: plain copies, each distinct molecule computed once);
               its peak RSS (VmHWM) while it takes, runs and streams the result.

Python computes no model values here except in the named Python baseline; this script only
drives HTTP and reads /proc. Every answer is checked (status codes, row counts); a failed
check exits 1. Prints a table with the ratios to the goals of issue 6 and writes it to
--output.
"""

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

MODEL = "eos3b5e"
ADMIN = ("bench", "bench-password-1")
POLL_SECONDS = 0.1
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


class BenchError(Exception):
    """A failed check: the run is not a measurement."""


def log(message):
    print(f"jobs_benchmark: {message}", file=sys.stderr, flush=True)


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def clock_ticks():
    return os.sysconf(os.sysconf_names["SC_CLK_TCK"])


def cpu_seconds(pid):
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / clock_ticks()
    except OSError:
        return 0.0


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid == pid:
            found.append(int(entry))
    return found


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise BenchError(f"no {field} in /proc/{pid}/status")


class Api:
    """One keep-alive HTTP connection to the hub, JSON in and out."""

    def __init__(self, port, token=None):
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def call(self, method, path, body=None, content_type="application/json", expect=200):
        headers = {"Content-Type": content_type}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()  # a dropped keep-alive connection: one retry on a new one
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        if expect is not None and response.status != expect:
            raise BenchError(f"{method} {path}: HTTP {response.status}: {data[:300]!r}")
        return data

    def json(self, method, path, body=None, **kwargs):
        return json.loads(self.call(method, path, body, **kwargs))

    def stream_lines(self, path):
        """GET `path` and count its lines without keeping them."""
        headers = {"Authorization": "Bearer " + self.token}
        self.conn.request("GET", path, headers=headers)
        response = self.conn.getresponse()
        if response.status != 200:
            raise BenchError(f"GET {path}: HTTP {response.status}: {response.read()[:300]!r}")
        lines = 0
        first = b""
        while True:
            block = response.read(1 << 20)
            if not block:
                break
            if not first:
                first = block[:200]
            lines += block.count(b"\n")
        return lines, first


class Hub:
    """`ersilia-hub serve` on port 0 in its own data directory."""

    def __init__(self, binary, data_dir, threads, chunks_per_instance):
        self.data_dir = data_dir
        port_file = os.path.join(data_dir, "port")
        sets = [
            f"auth.initial_admin.username={ADMIN[0]}",
            "auth.initial_admin.email=bench@example.org",
            f"auth.initial_admin.password={ADMIN[1]}",
            "auth.user_session_max_age=12h",
            "auth.rate_limit.login=off",
            "runtime.idle_timeout=1h",
        ]
        args = [binary, "serve", "--port", "0", "--port-file", port_file, "--data-dir", data_dir]
        for s in sets:
            args += ["--set", s]
        self.log_path = os.path.join(data_dir, "hub.log")
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"the hub did not start; see {self.log_path}")
            time.sleep(0.05)
        self.port = int(open(port_file).read())
        self.api = Api(self.port)
        self.api.token = self.login()
        self.configure_model(threads, chunks_per_instance)

    def login(self):
        encoding = base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()
        session = self.api.json("POST", "/api/auth/login",
                                {"encoding": encoding, "auth_type": "ErsiliaUser"})
        return session["session"]["session_token"]

    def configure_model(self, threads, chunks_per_instance):
        model = self.api.json("GET", f"/api/models/{MODEL}")
        details = model["details"]
        details.update({"max_instances": 1, "threads": threads,
                        "chunks_per_instance": chunks_per_instance, "cache_enabled": True})
        self.api.json("PUT", f"/api/models/{MODEL}", model)

    @property
    def pid(self):
        return self.process.pid

    def cpu(self):
        """(hub CPU s, model instances' CPU s)."""
        return cpu_seconds(self.pid), sum(cpu_seconds(c) for c in children(self.pid))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def read_smiles(path, limit):
    with open(path) as f:
        f.readline()  # header
        smiles = [line.strip() for line in f if line.strip()]
    return smiles[:limit] if limit else smiles


def csv_body(smiles):
    return ("smiles\n" + "\n".join(smiles) + "\n").encode()


def submit_csv(api, body, cache_opt_in):
    query = urllib.parse.urlencode({"model_id": MODEL, "has_header": "true",
                                    "cache_opt_in": str(cache_opt_in).lower()})
    return api.json("POST", f"/api/work-requests?{query}", body, content_type="text/csv")


def wait_finished(api, request_id, on_poll=None, timeout=7200):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = api.json("GET", f"/api/work-requests/{request_id}")
        if on_poll:
            on_poll()
        if record["request_status"] in ("COMPLETED", "FAILED", "CANCELLED"):
            if record["request_status"] != "COMPLETED":
                raise BenchError(f"request {request_id} ended {record['request_status']}: "
                                 f"{record.get('request_status_reason')}")
            return record
        time.sleep(POLL_SECONDS)
    raise BenchError(f"request {request_id} did not finish in {timeout} s")


def run_request(hub, smiles, cache_opt_in, on_poll=None, body=None):
    """Submit, wait and download; returns the timings and counts of one request."""
    body = body if body is not None else csv_body(smiles)
    rows = body.count(b"\n") - 1
    cpu_before = hub.cpu()
    start = time.monotonic()
    submitted = submit_csv(hub.api, body, cache_opt_in)
    accepted = time.monotonic()
    record = wait_finished(hub.api, submitted["id"], on_poll)
    completed = time.monotonic()
    lines, first = hub.api.stream_lines(f"/api/work-requests/{submitted['id']}/result?format=csv")
    downloaded = time.monotonic()
    cpu_after = hub.cpu()
    if lines != rows + 1 or not first.startswith(b"key,input,"):
        raise BenchError(f"request {submitted['id']}: {lines} result lines for {rows} rows")
    progress = record["progress"]
    return {
        "rows": rows,
        "unique": progress.get("molecules_total"),
        "cached": progress.get("molecules_cached"),
        "failed": progress.get("molecules_failed"),
        "submit_s": accepted - start,
        "run_s": completed - accepted,
        "download_s": downloaded - completed,
        "total_s": downloaded - start,
        "hub_cpu_s": cpu_after[0] - cpu_before[0],
        "instance_cpu_s": cpu_after[1] - cpu_before[1],
    }


def api_client(port, token, smiles, seconds, queue):
    """One client process: submit a small request, poll it until it ends; repeat."""
    api = Api(port, token)
    body = {"model_id": MODEL,
            "request_payload": {"entries": smiles, "cache_opt_in": False, "has_header": False}}
    submits = polls = 0
    submit_latency = []
    poll_latency = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        request_id = api.json("POST", "/api/work-requests", body)["id"]
        submit_latency.append(time.monotonic() - t0)
        submits += 1
        while True:
            t0 = time.monotonic()
            status = api.json("GET", f"/api/work-requests/{request_id}")["request_status"]
            poll_latency.append(time.monotonic() - t0)
            polls += 1
            if status in ("COMPLETED", "FAILED", "CANCELLED"):
                break
    queue.put((submits, polls, submit_latency, poll_latency, cpu_seconds(os.getpid())))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else 0.0


def measure_api(hub, smiles, clients, seconds):
    queue = multiprocessing.Queue()
    cpu_before = hub.cpu()
    start = time.monotonic()
    procs = [multiprocessing.Process(target=api_client,
                                     args=(hub.port, hub.api.token, smiles, seconds, queue))
             for _ in range(clients)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 600) for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - start
    cpu_after = hub.cpu()
    submits = sum(r[0] for r in results)
    polls = sum(r[1] for r in results)
    submit_latency = [x for r in results for x in r[2]]
    poll_latency = [x for r in results for x in r[3]]
    return {
        "clients": clients,
        "seconds": elapsed,
        "submits": submits,
        "polls": polls,
        "requests_per_s": (submits + polls) / elapsed,
        "submits_per_s": submits / elapsed,
        "submit_p50_ms": 1000 * percentile(submit_latency, 50),
        "submit_p99_ms": 1000 * percentile(submit_latency, 99),
        "poll_p50_ms": 1000 * percentile(poll_latency, 50),
        "poll_p99_ms": 1000 * percentile(poll_latency, 99),
        "hub_cpu_s": cpu_after[0] - cpu_before[0],
        "instance_cpu_s": cpu_after[1] - cpu_before[1],
        "client_cpu_s": sum(r[4] for r in results),
    }


def model_server_alone(args):
    command = [args.http_load, "--binary", args.binary, "--model", MODEL, "--threads",
               str(args.threads), "--clients", str(args.chunks_per_instance), "--chunk", "1000",
               "--input", args.input, "--limit", str(args.molecules), "--warm-requests",
               str(args.warm_requests)]
    answer = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def python_baseline(args):
    command = [args.python, os.path.join(REPO, "bench", "python", "model_baseline.py"),
               "--model", MODEL, "--input", args.input, "--limit", str(args.molecules)]
    answer = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def big_body(smiles, rows, distinct):
    """`rows` rows from copies of the input; `distinct`: copy k gets k disconnected carbons."""
    lines = ["smiles"]
    copy = 0
    while len(lines) <= rows:
        suffix = ".C" * copy if distinct else ""
        lines.extend(s + suffix for s in smiles[: rows + 1 - len(lines)])
        copy += 1
    return ("\n".join(lines) + "\n").encode()


def measure_big(args, smiles, work):
    hub = Hub(args.binary, tempfile.mkdtemp(dir=work, prefix="hub-big-"), args.threads,
              args.chunks_per_instance)
    try:
        warm(hub, smiles)
        rss = {"max_rss_kib": 0}

        def sample():
            rss["max_rss_kib"] = max(rss["max_rss_kib"], status_kib(hub.pid, "VmRSS"))

        before = status_kib(hub.pid, "VmHWM")
        # Start-up (migrations, model cards) peaks above the idle hub: reset the peak to the
        # current RSS so that VmHWM measures this request (proc(5), clear_refs "5").
        reset_peak(hub.pid)
        body = big_body(smiles, args.big_rows, not args.big_repeat)
        start_rss = status_kib(hub.pid, "VmRSS")
        result = run_request(hub, smiles, False, on_poll=sample, body=body)
        result["rss_at_start_kib"] = start_rss
        result["hwm_startup_kib"] = before
        result["hwm_kib"] = status_kib(hub.pid, "VmHWM")
        result["sampled_rss_kib"] = rss["max_rss_kib"]
        result["instance_rss_kib"] = sum(status_kib(c, "VmRSS") for c in children(hub.pid))
        return result
    finally:
        hub.stop()


def median_run(runs, key):
    """The run with the median `key` (the lower middle one of an even count)."""
    return sorted(runs, key=lambda r: r[key])[(len(runs) - 1) // 2]


def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def phase(name, result):
    """Logs a phase's raw numbers as soon as it ends (a later failure keeps them)."""
    log(f"{name}: {json.dumps(result)}")
    return result


def warm(hub, smiles):
    """Starts the model instance and warms both sides, outside the measurements."""
    run_request(hub, smiles[:1000], False, body=csv_body(smiles[:1000]))


def measure(args):
    work = tempfile.mkdtemp(prefix="jobs-bench-")
    smiles = read_smiles(args.input, args.molecules)
    report = {"molecules": len(smiles), "threads": args.threads,
              "chunks_per_instance": args.chunks_per_instance, "load": [load_average()],
              "repeat": args.repeat,
              "runs": {"e2e": [], "model_server": [], "python": [], "cached": []}}
    try:
        hub = Hub(args.binary, tempfile.mkdtemp(dir=work, prefix="hub-"), args.threads,
                  args.chunks_per_instance)
        try:
            log("warming up")
            warm(hub, smiles)
            reset_peak(hub.pid)
            # The hub and its peers take turns, so that a change in the machine's speed (other
            # load, a noisy neighbour of the VM) affects both sides of each ratio alike.
            for r in range(args.repeat):
                log(f"repeat {r + 1}/{args.repeat}: e2e, {len(smiles)} rows")
                report["runs"]["e2e"].append(phase("e2e", run_request(hub, smiles, False)))
                log("model-server alone")
                report["runs"]["model_server"].append(
                    phase("model_server", model_server_alone(args)))
                log("Python baseline")
                report["runs"]["python"].append(phase("python", python_baseline(args)))
            log("e2e writing the cache")
            report["e2e_cache_write"] = phase("e2e_cache_write", run_request(hub, smiles, True))
            for r in range(args.repeat):
                log(f"cached resubmission {r + 1}/{args.repeat}")
                report["runs"]["cached"].append(phase("cached", run_request(hub, smiles, True)))
            log("submit-and-poll")
            api = measure_api(hub, smiles[:10], args.api_clients, args.api_seconds)
            report["api"] = phase("api", api)
            report["hub_hwm_kib"] = status_kib(hub.pid, "VmHWM")
        finally:
            hub.stop()
        report["load"].append(load_average())
        report["e2e"] = median_run(report["runs"]["e2e"], "total_s")
        report["model_server"] = median_run(report["runs"]["model_server"], "seconds")
        report["python"] = median_run(report["runs"]["python"], "seconds")
        report["cached"] = median_run(report["runs"]["cached"], "total_s")
        log(f"big request: {args.big_rows} rows")
        report["big"] = phase("big", measure_big(args, smiles, work))
        report["load"].append(load_average())
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"kept {work}")
    return report


def table(report, args):
    e2e, cached, big, api = report["e2e"], report["cached"], report["big"], report["api"]
    ms, py = report["model_server"], report["python"]
    hub_rate = e2e["rows"] / e2e["total_s"]
    hub_to_done = e2e["rows"] / (e2e["submit_s"] + e2e["run_s"])
    write = report["e2e_cache_write"]
    cached_ratio = cached["total_s"] / e2e["total_s"]
    big_mib = big["hwm_kib"] / 1024
    verdict = lambda ok: "MET" if ok else "MISSED"  # noqa: E731
    lines = [
        f"# {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {os.cpu_count()} CPUs, "
        f"load {' -> '.join(report['load'])}",
        f"# {report['molecules']} molecules x {MODEL}; one instance, {report['threads']} compute "
        f"threads, {report['chunks_per_instance']} chunks at once; model-server alone with the "
        f"same threads and as many clients",
        f"# hub: {args.binary}{' (' + args.label + ')' if args.label else ''}",
        f"# {report['repeat']} repeats, taking turns; each row below is the median run; e2e / "
        f"model-server alone per repeat: "
        + ", ".join(f"{ms['seconds'] / e['total_s']:.2f}x" for e, ms in
                    zip(report["runs"]["e2e"], report["runs"]["model_server"])),
        "",
        f"{'measurement':<34}{'rows':>9}{'seconds':>9}{'mol/s':>10}  notes",
    ]

    def row(name, rows, seconds, note=""):
        lines.append(f"{name:<34}{rows:>9}{seconds:>9.2f}{rows / seconds:>10.0f}  {note}")

    def split(r):
        return (f"submit {r['submit_s']:.2f} s, run {r['run_s']:.2f} s, download "
                f"{r['download_s']:.2f} s; hub CPU {r['hub_cpu_s']:.1f} s, instance CPU "
                f"{r['instance_cpu_s']:.1f} s")

    row("hub end to end (with download)", e2e["rows"], e2e["total_s"], split(e2e))
    row("hub e2e writing the cache", write["rows"], write["total_s"], split(write))
    row("hub fully cached resubmission", cached["rows"], cached["total_s"],
        f"{cached['cached']} of {cached['unique']} distinct from the cache; {split(cached)}")
    row("model-server alone (http_load)", ms["molecules"], ms["seconds"],
        f"threads {ms['threads']}, clients {ms['clients']}, chunk {ms['chunk']}")
    row("Python RDKit script", py["molecules"], py["seconds"], "one process")
    row(f"hub {big['rows']}-row request", big["rows"], big["total_s"],
        f"{big['unique']} distinct{' (repeated input)' if args.big_repeat else ''}; "
        f"{split(big)}")
    lines += [
        "",
        f"submit-and-poll: {api['requests_per_s']:.0f} API requests/s "
        f"({api['submits_per_s']:.0f} submits/s of 10 cached molecules + polls until done; "
        f"{api['clients']} client processes, {api['seconds']:.1f} s); submit p50 "
        f"{api['submit_p50_ms']:.1f} ms p99 {api['submit_p99_ms']:.1f} ms, poll p50 "
        f"{api['poll_p50_ms']:.1f} ms p99 {api['poll_p99_ms']:.1f} ms; hub CPU "
        f"{api['hub_cpu_s']:.1f} s, clients' CPU {api['client_cpu_s']:.1f} s",
        f"hub peak RSS (VmHWM, reset before the request): {big_mib:.0f} MiB for the "
        f"{big['rows']}-row request (fresh hub: {big['rss_at_start_kib'] / 1024:.0f} MiB RSS "
        f"before it, start-up peak {big['hwm_startup_kib'] / 1024:.0f} MiB; model instance "
        f"{big['instance_rss_kib'] / 1024:.0f} MiB RSS, a separate process); first hub's "
        f"peak {report['hub_hwm_kib'] / 1024:.0f} MiB over the {e2e['rows']}-row phases",
        "",
        f"ratio hub / model-server alone   {hub_rate / ms['mol_per_s']:.2f}x  "
        f"(to COMPLETED, without download: {hub_to_done / ms['mol_per_s']:.2f}x)  goal >= 0.8x: "
        f"{verdict(hub_rate >= 0.8 * ms['mol_per_s'])}",
        f"ratio hub / Python script        {hub_rate / py['molecules_per_second']:.2f}x  "
        f"goal > 1x: {verdict(hub_rate > py['molecules_per_second'])}",
        f"ratio cached / uncached time     {100 * cached_ratio:.1f}%  goal < 5%: "
        f"{verdict(cached_ratio < 0.05)}",
        f"hub peak memory, {big['rows']} rows  {big_mib:.0f} MiB  goal < 300 MB: "
        f"{verdict(big['hwm_kib'] * 1024 < 300e6)}",
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--http-load", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--molecules", type=int, default=0, help="first N (0: all)")
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--big-repeat", action="store_true",
                        help="repeat the input as it is in the big request (each distinct "
                             "molecule is computed once) instead of making the rows distinct")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--chunks-per-instance", type=int, default=2)
    parser.add_argument("--python", default="/usr/bin/python3",
                        help="the Python with python3-rdkit, for the Python baseline")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the e2e, model-server, Python and cached phases, taking "
                             "turns; the table shows medians")
    parser.add_argument("--api-clients", type=int, default=4)
    parser.add_argument("--api-seconds", type=float, default=10)
    parser.add_argument("--warm-requests", type=int, default=16,
                        help="http_load's full-size warm-up requests")
    parser.add_argument("--label", default="", help="a note on the binary, for the table")
    parser.add_argument("--output", help="also write the table here")
    parser.add_argument("--json", help="also write the raw measurements here")
    parser.add_argument("--keep", action="store_true", help="keep the hubs' data directories")
    args = parser.parse_args()
    # SIGTERM (ctest's timeout, kill) unwinds through the `finally` blocks that stop the hubs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        report = measure(args)
    except subprocess.CalledProcessError as e:
        log(f"FAILED: {e}\n{e.stderr}")
        return 1
    except (BenchError, OSError, KeyError, ValueError) as e:
        log(f"FAILED: {e}")
        return 1
    text = table(report, args)
    sys.stdout.write(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
