"""``mtseq fetch``: download (or copy) one file the config's ``fetch`` names, verify its sha256, maybe unpack it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mtseq.config import load_section
from mtseq.corpora.fetch import fetch, sha256_file, unpack
from mtseq.corpora.fetch.verify import read_record, record_path
from mtseq.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fetch",
        help="download a file (resumable, sha256-verified, atomic); optionally unpack it",
        description="Download fetch.NAME's url (http, https, file:// or a local path) to --out through --out.part, "
        "resuming an interrupted .part with HTTP Range, and rename it into place only when its sha256 matches. "
        "An --out that already matches is kept without network access.",
    )
    p.add_argument(
        "--config",
        type=Path,
        required=True,
        help="fetch.NAME (url, sha256): its section file or a config; without a sha256 the file is trusted on "
        "first use: its sha256 is printed and recorded as OUT.sha256, and a later call keeps an OUT that still "
        "matches the record",
    )
    p.add_argument("--name", required=True, help="the download: a key of the config's fetch table")
    p.add_argument("--out", type=Path, required=True, help="destination file")
    p.add_argument(
        "--unpack", type=Path, metavar="DIR", help="then unpack --out into DIR (.tar.gz/.tgz/.tar, .zip, .gz, .sgm)"
    )
    p.add_argument(
        "--members", nargs="+", metavar="NAME", help="with --unpack: only these archive entries (files or folders)"
    )
    p.add_argument("--retries", type=int, default=2, help="resume attempts after a dropped connection (default 2)")
    p.add_argument("--timeout", type=float, default=60.0, help="network timeout in seconds (default 60)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    if args.members and not args.unpack:
        print("mtseq: --members has no effect without --unpack", file=sys.stderr)
    downloads = load_section(args.config, "fetch")
    if args.name not in downloads:
        raise ConfigError(f"fetch.{args.name}", "missing", args.config)
    url, sha256 = downloads[args.name]["url"], downloads[args.name]["sha256"]
    path = fetch(url, args.out, sha256, progress=not args.quiet, retries=args.retries, timeout=args.timeout)
    if sha256 is None:
        digest = read_record(path) or sha256_file(path)
        print(
            f"mtseq: warning: no sha256 in fetch.{args.name}, {path} is unverified; sha256 {digest} "
            f"(recorded in {record_path(path).name}; pin it in the config as sha256: {digest})",
            file=sys.stderr,
        )
    print(path)
    if args.unpack:
        files = unpack(path, args.unpack, args.members)
        print(f"unpacked {len(files)} file(s) into {args.unpack}")
