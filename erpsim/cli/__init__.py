"""The ``erpsim`` command line.

Each module in this package that defines ``register(subparsers)`` adds one
subcommand; ``register`` must set ``func`` (called with the parsed arguments) as the
parser default.
"""
import argparse
import importlib
import pkgutil
import sys


def build_parser():
    parser = argparse.ArgumentParser(
        prog="erpsim", description="Simulated ERPs, EEG comparison and encoding models.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except (ValueError, FileNotFoundError, KeyError, TypeError) as err:
        print(f"erpsim {args.command}: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
