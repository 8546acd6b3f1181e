"""Regenerates tests/fixtures/hdbscan-reference.json: labels from the Python hdbscan library for
the 2-d points stored in that file (run with the benchmark's venv: .tools/cluster-ref/bin/python)."""
import json
import pathlib

import hdbscan
import numpy as np

FILE = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "hdbscan-reference.json"
doc = json.loads(FILE.read_text())
points = np.array(doc["points"]).reshape(-1, 2)
for ms in doc["labels"]:
    doc["labels"][ms] = [
        int(x)
        for x in hdbscan.HDBSCAN(min_cluster_size=doc["minClusterSize"], min_samples=int(ms)).fit_predict(points)
    ]
FILE.write_text(json.dumps(doc))
