"""The `python -m fastgraph` command line.

Subcommands:
  demo          train two models on the bundled digits, save, reload, compare
  info          version, NumPy and its BLAS, compiled kernels and their CPU
                level, OpenMP, threads
  bench         time training steps of standard workloads (and PyTorch's)
  summary PATH  print the summary of a saved model

`main(argv=None)` returns the exit status: 0 on success, 1 when the command
failed (its message goes to stderr), 2 for bad arguments (argparse prints
the usage).
"""
import argparse
import sys

from .._version import __version__
from ..engine.display import shown


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _add_demo(subparsers):
    from .. import demo
    p = subparsers.add_parser(
        "demo", help="train the seed's dense network and a small CNN on the "
                     "bundled digits, save, reload and compare",
        description=demo.__doc__.strip().splitlines()[0],
        epilog="Without --output the models are saved to a new temporary "
               "folder (fastgraph-demo-* in the system's temp dir), which is "
               "printed and kept.")
    p.add_argument("--epochs", type=_positive_int, default=demo.DEFAULT_EPOCHS,
                   help=f"epochs per model (default {demo.DEFAULT_EPOCHS})")
    p.add_argument("--batch-size", type=_positive_int, default=demo.DEFAULT_BATCH_SIZE,
                   help=f"samples per batch (default {demo.DEFAULT_BATCH_SIZE})")
    p.add_argument("--output", metavar="DIR",
                   help="folder for the saved models (created if missing)")
    p.add_argument("--threads", type=_positive_int, default=demo.DEFAULT_THREADS,
                   help=f"threads for the kernels and BLAS (default "
                        f"{demo.DEFAULT_THREADS}: the demo's models are too small "
                        f"to gain from more)")
    p.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                   help="0 silent training, 1 progress bars (default), 2 one line per epoch")
    p.set_defaults(run=_run_demo)


def _run_demo(args):
    from .. import demo
    results = demo.run(epochs=args.epochs, batch_size=args.batch_size,
                       output=args.output, verbose=args.verbose, threads=args.threads)
    if not results["match"]:
        print("fastgraph demo: a reloaded model predicts differently from the "
              "trained one", file=sys.stderr)
        return 1
    return 0


def _add_info(subparsers):
    p = subparsers.add_parser(
        "info", help="versions, BLAS, compiled kernels, OpenMP and thread counts",
        description="Print fastgraph's version, NumPy's version and the BLAS it "
                    "uses, which compiled kernels import, whether they have "
                    "OpenMP, and the thread counts in use.")
    p.set_defaults(run=_run_info)


def _run_info(args):
    from . import info
    report = info.collect()
    print(info.format_report(report))
    kernels = report["kernels"]
    return 0 if not kernels["missing"] and "error" not in kernels["level"] else 1


def _add_bench(subparsers):
    from . import bench
    p = subparsers.add_parser(
        "bench", help="time training steps of the standard workloads "
                      "(against PyTorch when installed)",
        description=bench.__doc__.strip().splitlines()[0],
        epilog=bench.EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", type=bench.parse_workloads,
                   default=list(bench.WORKLOADS),
                   help=f"comma-separated subset of {','.join(bench.WORKLOADS)} "
                        f"(default: all)")
    p.add_argument("--steps", type=_positive_int, default=10,
                   help="timed training steps per workload (default 10)")
    p.add_argument("--threads", type=_positive_int,
                   help="threads for every framework (default: all cores)")
    p.add_argument("--no-torch", action="store_true",
                   help="time fastgraph only, even when PyTorch is installed")
    p.add_argument("--full", action="store_true",
                   help="run the repository's bench/compare.py --quick instead "
                        "(a source checkout only)")
    p.set_defaults(run=_run_bench)


def _run_bench(args):
    from . import bench
    if args.full:
        return bench.run_full(args.threads)
    bench.run(args.workloads, steps=args.steps, threads=args.threads,
              torch=not args.no_torch)
    return 0


def _add_summary(subparsers):
    p = subparsers.add_parser(
        "summary", help="print the summary of a saved model",
        description="Load a saved model (without compiling it) and print "
                    "its summary: layers, output shapes, parameter counts.")
    p.add_argument("path", help="a file written by model.save / save_model")
    p.add_argument("--line-length", type=_positive_int,
                   help="width of the table (default: Keras's)")
    p.add_argument("--expand-nested", action="store_true",
                   help="list the layers of nested models too")
    p.set_defaults(run=_run_summary)


def _run_summary(args):
    from ..models import load_model
    model = load_model(args.path, compile=False)
    model.summary(line_length=args.line_length, expand_nested=args.expand_nested)
    return 0


def build_parser():
    """The argparse parser of `python -m fastgraph`."""
    parser = argparse.ArgumentParser(
        prog="python -m fastgraph",
        description="fastgraph: the Keras 2 functional API on a fast CPU "
                    "autodiff engine.",
        epilog="Run `python -m fastgraph COMMAND --help` for a command's options.")
    parser.add_argument("--version", action="version",
                        version=f"fastgraph {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       required=True)
    for add in (_add_demo, _add_info, _add_bench, _add_summary):
        add(subparsers)
    return parser


def main(argv=None):
    """Run the command line on `argv` (default sys.argv[1:]); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (OSError, ValueError, KeyError, ImportError) as err:
        # The message may quote a file's content: cut and escaped.
        print(f"{parser.prog} {args.command}: error: {shown(err, 4000)}",
              file=sys.stderr)
        return 1
