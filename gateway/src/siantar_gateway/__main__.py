"""`python -m siantar_gateway [serve]`: serve the development gateway (GATEWAY_HOST:GATEWAY_PORT, 127.0.0.1:8000).

`python -m siantar_gateway render --env {dev,test,prod} [-o FILE | --check FILE]`: render gateway/kong.yml with
that environment's overlay (deploy/kong/overlays/<env>.yml); see siantar_gateway.render.
"""

import argparse
import sys
from pathlib import Path

from siantar_gateway import render
from siantar_gateway.config import DEFAULT_KONG_CONFIG
from siantar_gateway.kongconf import KongConfigError


def _render(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m siantar_gateway render", description=render.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--env", required=True, choices=render.ENVIRONMENTS)
    parser.add_argument("--base", type=Path, default=DEFAULT_KONG_CONFIG, help="the base kong.yml")
    parser.add_argument(
        "--overlays", type=Path, default=render.OVERLAYS, help="the folder of <env>.yml overlays"
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument("-o", "--output", type=Path, help="write here (default: standard output)")
    target.add_argument("--check", type=Path, help="exit 1 and print a diff if this file is not the render")
    args = parser.parse_args(argv)
    try:
        text = render.render(args.env, args.base, args.overlays)
    except (render.OverlayError, KongConfigError) as exc:
        sys.stderr.write(f"render failed: {exc}\n")
        return 2
    if args.check:
        difference = render.diff(text, args.check)
        if difference:
            sys.stderr.write(difference + f"\n{args.check} is out of date: re-render it with -o\n")
            return 1
        return 0
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def run(argv: list[str]) -> int:
    if argv and argv[0] == "render":
        return _render(argv[1:])
    if argv and argv[0] != "serve":
        sys.stderr.write(
            "usage: python -m siantar_gateway [serve | render --env ENV [-o FILE | --check FILE]]" + "\n"
        )
        return 2
    from siantar_gateway.main import main

    main()
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
