"""Reference clustering for `npm run bench:cluster`: umap-learn + hdbscan on the same vectors.

Reads little-endian float32 rows from --input (rows x dim), writes one label per line to --output
and a JSON line with timings to stdout. Parameters mirror pcc's defaults.
"""
import argparse
import json
import resource
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--n-neighbors", type=int, default=15)
    ap.add_argument("--n-components", type=int, default=5)
    ap.add_argument("--min-cluster-size", type=int, default=50)
    ap.add_argument("--min-samples", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument(
        "--warmup",
        type=int,
        default=2000,
        help="fit this many rows once, untimed, so numba's JIT compilation is not counted (0 = off)",
    )
    args = ap.parse_args()

    t_import = time.perf_counter()
    import hdbscan
    import umap

    import_s = time.perf_counter() - t_import
    x = np.fromfile(args.input, dtype="<f4").reshape(-1, args.dim)
    warmup_s = 0.0
    if args.warmup and len(x) > args.warmup:
        tw = time.perf_counter()
        small = umap.UMAP(
            n_neighbors=args.n_neighbors, n_components=args.n_components, min_dist=0.0, metric="cosine"
        ).fit_transform(x[: args.warmup])
        hdbscan.HDBSCAN(min_cluster_size=args.min_cluster_size).fit_predict(small)
        warmup_s = time.perf_counter() - tw
    t0 = time.perf_counter()
    reducer = umap.UMAP(
        n_neighbors=args.n_neighbors,
        n_components=args.n_components,
        min_dist=0.0,
        metric="cosine",
        random_state=args.seed,
    )
    layout = reducer.fit_transform(x)
    t1 = time.perf_counter()
    labels = hdbscan.HDBSCAN(
        min_cluster_size=args.min_cluster_size, min_samples=args.min_samples
    ).fit_predict(layout)
    t2 = time.perf_counter()
    np.savetxt(args.output, labels, fmt="%d")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "umap_s": t1 - t0,
                "hdbscan_s": t2 - t1,
                "total_s": t2 - t0,
                "import_s": import_s,
                "warmup_s": warmup_s,
                "peak_mb": peak_mb,
                "clusters": int(labels.max() + 1),
                "noise": int((labels < 0).sum()),
            }
        )
    )


if __name__ == "__main__":
    main()
