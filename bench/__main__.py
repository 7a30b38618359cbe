"""`python -m bench` runs every benchmark; `python -m bench members_list save_round_trip` runs those.

`--quick` (or BENCH_QUICK=1) runs few iterations, to check the benchmarks themselves; its
figures are marked `"quick": true` in the results and mean nothing. `--list` names them all.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
import uuid


def main(argv: list[str] | None = None) -> int:
    from bench import BENCHMARKS

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="name", help=f"any of: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="few iterations (developing the benchmarks)")
    parser.add_argument("--list", action="store_true", help="name the benchmarks and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(BENCHMARKS))
        return 0
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; use any of: {', '.join(BENCHMARKS)}")
    if args.quick:
        os.environ["BENCH_QUICK"] = "1"

    from bench.common import markdown_rows, print_result, write_result

    run_id = uuid.uuid4().hex[:12]
    started = time.monotonic()
    results, failed = [], []
    for name in args.names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n>> {module.TITLE} ({name}) …", flush=True)
        try:
            result = module.run()
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        print_result(result)
        path = write_result(result, run_id)
        print(f"  → {path.relative_to(path.parents[2])}", flush=True)
        results.append(result)

    print(f"\n== run {run_id}: {len(results)} benchmark(s) in {time.monotonic() - started:.0f} s"
          f"{' (QUICK: figures mean nothing)' if args.quick else ''}")
    print("\n| benchmark | figure | median | p95 | target | met |\n| --- | --- | --- | --- | --- | --- |")
    for result in results:
        print("\n".join(markdown_rows(result)))
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
