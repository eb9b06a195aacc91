#!/usr/bin/env python3
"""Command line for the Ersilia Hub: run a model on a file of molecules and write the result.

    python3 ersilia_hub.py run --server URL --model eos3b5e -i in.csv -o out.csv
    python3 ersilia_hub.py status ID | result ID -o out.csv | cancel ID | models

Credentials (the first that applies): --api-key or ERSILIA_HUB_API_KEY, --token,
--username with --password or ERSILIA_HUB_PASSWORD, --key (an anonymous key), else the
anonymous key in --key-file (default ~/.ersilia-hub-key, created on first use).

Exit codes: 0 success, 1 API or network failure, 2 usage error, 3 the request FAILED,
4 the request was CANCELLED.
"""

import argparse
import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ersilia_hub_client import (DEFAULT_KEY_FILE, DEFAULT_SERVER, HubClient,  # noqa: E402
                                HubError)

EXIT_ERROR, EXIT_USAGE, EXIT_FAILED, EXIT_CANCELLED = 1, 2, 3, 4


def connect(args):
    hub = HubClient(args.server)
    api_key = args.api_key or os.environ.get("ERSILIA_HUB_API_KEY")
    if api_key:
        hub.use_api_key(api_key)
    elif args.token:
        hub.token = args.token
    elif args.username:
        password = args.password or os.environ.get("ERSILIA_HUB_PASSWORD")
        if password is None:
            import getpass
            password = getpass.getpass(f"password for {args.username}: ")
        hub.login(args.username, password)
    else:
        hub.login_anonymous(args.key, args.key_file)
    return hub


def output_format(args):
    if args.format:
        return args.format
    lower = (args.output or "").lower()
    for ext in ("jsonl", "json"):
        if lower.endswith("." + ext):
            return ext
    return "csv"


def end_code(record):
    status = record["request_status"]
    if status == "FAILED":
        reason = record.get("request_status_reason") or "no reason given"
        print(f"ersilia-hub: request {record['id']} failed: {reason}", file=sys.stderr)
        return EXIT_FAILED
    if status == "CANCELLED":
        print(f"ersilia-hub: request {record['id']} was cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    return 0


def cmd_run(args):
    if args.input is None or args.output is None:
        print("ersilia-hub: run needs -i INPUT and -o OUTPUT", file=sys.stderr)
        return EXIT_USAGE
    hub = connect(args)
    if args.input == "-":
        smiles = [line.strip() for line in sys.stdin if line.strip()]
        if args.header:
            smiles = smiles[1:]
        record = hub.submit_smiles(args.model, smiles, cache_opt_in=args.cache_opt_in)
    else:
        record = hub.submit_file(args.model, args.input, has_header=args.header,
                                 cache_opt_in=args.cache_opt_in)
    request_id = record["id"]
    if not args.quiet:
        print(f"ersilia-hub: request {request_id} submitted ({record.get('input_size', '?')} "
              "rows)", file=sys.stderr)

    def on_interrupt(signum, frame):  # Ctrl-C cancels the request and keeps what is done
        print(f"\nersilia-hub: cancelling request {request_id}", file=sys.stderr)
        try:
            hub.cancel(request_id)
        except HubError as e:
            print(f"ersilia-hub: {e}", file=sys.stderr)
        sys.exit(EXIT_CANCELLED)

    signal.signal(signal.SIGINT, on_interrupt)
    record = hub.wait(request_id, progress=not args.quiet)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    code = end_code(record)
    if record["request_status"] == "COMPLETED" or args.partial:
        hub.download(request_id, args.output, fmt=output_format(args), layout=args.layout,
                     errors=args.errors)
        if not args.quiet:
            print(f"ersilia-hub: wrote {args.output}", file=sys.stderr)
    return code


def cmd_status(args):
    record = connect(args).status(args.id)
    if args.json:
        print(json.dumps(record, indent=2))
        return 0
    p = record.get("progress") or {}
    print(f"{record['id']} {record['model_id']} {record['request_status']} "
          f"{p.get('molecules_done', 0)}/{p.get('molecules_total', 0)} done, "
          f"{p.get('molecules_failed', 0)} failed, {p.get('percent', 0)}%")
    if record.get("request_status_reason"):
        print(record["request_status_reason"])
    return 0


def cmd_result(args):
    hub = connect(args)
    if args.wait:
        hub.wait(args.id, progress=not args.quiet)
    hub.download(args.id, args.output, fmt=output_format(args), layout=args.layout,
                 errors=args.errors)
    print(f"ersilia-hub: wrote {args.output}", file=sys.stderr)
    return 0


def cmd_cancel(args):
    record = connect(args).cancel(args.id)
    print(f"{record['id']} {record['request_status']}")
    return 0


def cmd_models(args):
    for model in connect(args).models():
        title = ((model.get("details") or {}).get("identification_details") or {}).get("title")
        state = "enabled" if model.get("enabled") else "disabled"
        print(f"{model['id']}\t{state}\t{title or ''}")
    return 0


def parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--server", default=os.environ.get("ERSILIA_HUB_SERVER", DEFAULT_SERVER),
                        help=f"hub URL (ERSILIA_HUB_SERVER; default {DEFAULT_SERVER})")
    common.add_argument("--key", help="anonymous key (a UUID) to use instead of --key-file")
    common.add_argument("--key-file", default=DEFAULT_KEY_FILE,
                        help="file holding the anonymous key, created when missing")
    common.add_argument("--api-key", help="an account's API key (ERSILIA_HUB_API_KEY)")
    common.add_argument("--token", help="a session token from a login")
    common.add_argument("--username", help="log in to this account")
    common.add_argument("--password", help="its password (ERSILIA_HUB_PASSWORD, else asked)")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")

    results = argparse.ArgumentParser(add_help=False)
    results.add_argument("-o", "--output", help="result file")
    results.add_argument("--format", choices=("csv", "json", "jsonl"),
                         help="result format (default: from the output's extension, else csv)")
    results.add_argument("--layout", choices=("ersilia", "hub"), default="ersilia",
                         help="CSV columns: ersilia (key,input,...) or hub (upstream)")
    results.add_argument("--errors", action="store_true", help="add an error column")

    p = argparse.ArgumentParser(prog="ersilia_hub.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", parents=[common, results], help="submit a file and wait")
    run.add_argument("--model", required=True, help="model id, e.g. eos3b5e")
    run.add_argument("-i", "--input", help="CSV, SMI or text file; - reads SMILES from stdin")
    header = run.add_mutually_exclusive_group()
    header.add_argument("--header", dest="header", action="store_true", default=None,
                        help="the first line is a header")
    header.add_argument("--no-header", dest="header", action="store_false",
                        help="the first line is a molecule")
    run.add_argument("--cache-opt-in", action="store_true",
                     help="let the results go into the shared cache (accounts only)")
    run.add_argument("--partial", action="store_true",
                     help="write the rows computed even when the request failed or was cancelled")
    run.set_defaults(func=cmd_run)

    status = sub.add_parser("status", parents=[common], help="show a request's status")
    status.add_argument("id", type=int)
    status.add_argument("--json", action="store_true", help="print the request's JSON")
    status.set_defaults(func=cmd_status)

    result = sub.add_parser("result", parents=[common, results], help="download a result")
    result.add_argument("id", type=int)
    result.add_argument("--wait", action="store_true", help="wait for the request to end first")
    result.set_defaults(func=cmd_result)

    cancel = sub.add_parser("cancel", parents=[common], help="cancel a request")
    cancel.add_argument("id", type=int)
    cancel.set_defaults(func=cmd_cancel)

    models = sub.add_parser("models", parents=[common], help="list the models")
    models.set_defaults(func=cmd_models)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    if getattr(args, "command", None) == "result" and not args.output:
        print("ersilia-hub: result needs -o OUTPUT", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except HubError as e:
        print(f"ersilia-hub: {e}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as e:
        print(f"ersilia-hub: {e}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
