"""The table of a wrk run (bench/run.sh, activities.sh, platform.sh): one line per endpoint,
`name RESULT rps p50 p99 bad total` as bench/wrk.lua prints it, the first being the bare
handler that the others are compared with. A row whose requests were not all answered 2xx has
no ratio (its rate counts refusals): it is flagged, and the script exits 1 after the table so
that the run fails instead of reporting a figure it did not measure."""
import sys


def main(results: str) -> int:
    rows = [line.split() for line in results.strip().splitlines()]
    base_rps, base_bad = float(rows[0][2]), int(rows[0][5])
    print("| endpoint | req/s | p50 ms | p99 ms | non-2xx/errors | vs bare |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    flagged = []
    for name, _, rps, p50, p99, bad, total in rows:
        if int(bad) > 0 or base_bad > 0:
            ratio = "n/a (non-2xx)"
            flagged.append(name)
        else:
            ratio = f"{float(rps) / base_rps:.0%}"
        print(f"| {name} | {float(rps):,.0f} | {p50} | {p99} | {bad} of {int(total):,} | {ratio} |")
    if flagged:
        print(f"FAIL: non-2xx answers or socket errors in {', '.join(flagged)}: no ratio reported",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
