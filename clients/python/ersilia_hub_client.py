"""A client for the Ersilia Hub work-request API, using only the Python standard library.

    from ersilia_hub_client import HubClient
    hub = HubClient("http://127.0.0.1:8080")
    hub.login_anonymous()                  # a key saved in ~/.ersilia-hub-key and reused
    request = hub.submit_file("eos3b5e", "molecules.csv", has_header=True)
    hub.wait(request["id"], progress=True)  # a progress bar on stderr
    hub.download(request["id"], "out.csv", fmt="csv")

Every API failure raises `HubError` with the HTTP status and the API's `detail` message.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import base64

DEFAULT_SERVER = "http://127.0.0.1:8080"
DEFAULT_KEY_FILE = os.path.join(os.path.expanduser("~"), ".ersilia-hub-key")
TERMINAL_STATUSES = ("COMPLETED", "FAILED", "CANCELLED")


class HubError(Exception):
    """An API error (`status` is the HTTP status, 0 when the hub could not be reached)."""

    def __init__(self, message, status=0):
        super().__init__(message)
        self.status = status


def load_or_create_key(path=DEFAULT_KEY_FILE):
    """The anonymous key stored in `path`; a new one is generated and saved (mode 0600)."""
    try:
        with open(path, encoding="utf-8") as f:
            key = f.read().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    key = str(uuid.uuid4())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    return key


class HubClient:
    """One hub and one identity. Log in with one of the `login_*` methods or pass a token."""

    def __init__(self, server=DEFAULT_SERVER, token=None, timeout=60):
        self.server = server.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.key = None

    # -- HTTP -------------------------------------------------------------------------------

    def _request(self, method, path, body=None, content_type=None, query=None, raw=False,
                 length=None):
        url = self.server + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json", "User-Agent": "ersilia-hub-python-client/1"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode("utf-8")
                content_type = content_type or "application/json"
            else:
                data = body
            headers["Content-Type"] = content_type or "application/octet-stream"
            if length is not None:
                headers["Content-Length"] = str(length)
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            raise HubError(_error_message(e), e.code) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise HubError(f"cannot reach the hub at {self.server}: {reason}") from None
        if raw:
            return response
        with response:
            text = response.read()
        return json.loads(text) if text else None

    # -- Identity ---------------------------------------------------------------------------

    def login_anonymous(self, key=None, key_file=DEFAULT_KEY_FILE):
        """Starts a session on an anonymous key: `key`, else the one in `key_file` (created
        when missing). The same key later returns to the same requests."""
        self.key = key or load_or_create_key(key_file)
        answer = self._request("POST", "/api/auth/anonymous-login/" + urllib.parse.quote(self.key))
        self.token = answer["session"]["session_token"]
        return answer

    def login(self, username, password):
        """Logs in to an account (sessions of accounts are short; use an API key for scripts)."""
        encoding = base64.b64encode(f"{username}:{password}".encode("utf-8")).decode("ascii")
        answer = self._request("POST", "/api/auth/login",
                               {"encoding": encoding, "auth_type": "ErsiliaUser"})
        self.token = answer["session"]["session_token"]
        return answer

    def use_api_key(self, api_key):
        """Uses an account's API key (`ehk_...`) as the Bearer token."""
        self.token = api_key

    def create_api_key(self, name):
        """Creates an API key of the logged-in account; the answer's `key` is shown only once."""
        return self._request("POST", "/api/auth/api-keys", {"name": name})

    # -- Work requests ----------------------------------------------------------------------

    def models(self):
        return self._request("GET", "/api/models")["items"]

    def submit_smiles(self, model_id, smiles, cache_opt_in=False):
        """Submits a list of SMILES strings (no header); returns the request's JSON."""
        body = {"model_id": model_id,
                "request_payload": {"entries": list(smiles), "cache_opt_in": cache_opt_in,
                                    "has_header": False}}
        return self._request("POST", "/api/work-requests", body)

    def submit_file(self, model_id, path, has_header=None, cache_opt_in=False):
        """Uploads a CSV, SMI or text file as it is. `has_header` True or False says whether
        the first line is a header; None lets the hub decide and say so in `intake`."""
        query = {"model_id": model_id, "filename": os.path.basename(path)}
        if has_header is not None:
            query["has_header"] = "true" if has_header else "false"
        if cache_opt_in:
            query["cache_opt_in"] = "true"
        lower = path.lower()
        content_type = "text/csv"
        if lower.endswith((".smi", ".smiles", ".txt")):
            content_type = "text/plain"
        elif lower.endswith(".tsv"):
            content_type = "text/tab-separated-values"
        with open(path, "rb") as f:  # streamed, not read into memory
            return self._request("POST", "/api/work-requests", f, content_type, query,
                                 length=os.fstat(f.fileno()).st_size)

    def status(self, request_id):
        return self._request("GET", f"/api/work-requests/{int(request_id)}")

    def cancel(self, request_id):
        return self._request("POST", f"/api/work-requests/{int(request_id)}/cancel")

    def wait(self, request_id, progress=True, interval=0.5, max_interval=5.0, stream=sys.stderr):
        """Polls until the request ends; returns its last JSON. Draws a progress bar on
        `stream` when `progress` is true."""
        delay = interval
        bar = ProgressBar(stream) if progress else None
        while True:
            record = self.status(request_id)
            if bar:
                bar.update(record)
            if record["request_status"] in TERMINAL_STATUSES:
                if bar:
                    bar.finish()
                return record
            time.sleep(delay)
            delay = min(max_interval, delay * 1.5)

    def download(self, request_id, path, fmt="csv", layout="ersilia", errors=False):
        """Writes the result (csv, json or jsonl) to `path` as it streams; returns the bytes
        written. A running or cancelled request gives the rows computed so far."""
        query = {"format": fmt, "layout": layout, "errors": "true" if errors else "false"}
        response = self._request("GET", f"/api/work-requests/{int(request_id)}/result",
                                 query=query, raw=True)
        written = 0
        temporary = path + ".part"
        with response, open(temporary, "wb") as out:
            while True:
                block = response.read(1 << 16)
                if not block:
                    break
                out.write(block)
                written += len(block)
        os.replace(temporary, path)
        return written


def _error_message(error):
    """The `detail` of an API error, else the status line."""
    try:
        body = error.read().decode("utf-8", "replace")
    except OSError:
        body = ""
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, (list, dict)):
        detail = json.dumps(detail)
    return f"HTTP {error.code}: {detail or body.strip() or error.reason}"


def _format_seconds(seconds):
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class ProgressBar:
    """`[#####-----]  42.0%  420/1000 molecules  ETA 1m05s  PROCESSING` on one line."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last = None

    def update(self, record):
        p = record.get("progress") or {}
        percent = float(p.get("percent") or 0.0)
        done = int(p.get("molecules_done") or 0) + int(p.get("molecules_failed") or 0)
        total = int(p.get("molecules_total") or 0)
        filled = int(self.WIDTH * min(percent, 100.0) / 100.0)
        eta = p.get("eta_seconds")
        line = (f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {percent:5.1f}%  "
                f"{done}/{total} molecules")
        if p.get("molecules_failed"):
            line += f" ({p['molecules_failed']} failed)"
        if eta is not None and record["request_status"] not in TERMINAL_STATUSES:
            line += f"  ETA {_format_seconds(eta)}"
        line += f"  {record['request_status']}"
        if line == self.last:
            return
        self.last = line
        if self.tty:
            self.stream.write("\r" + line + "\033[K")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self):
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
