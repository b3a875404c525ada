"""A run's result as stored (OpinionRun.result, JSON): what the pages, the API and the exports
read. Privacy is applied here, before anything is stored:

* no group under PRIVACY_MIN people (the minimum group size is never set lower);
* a group's composition by declared stakeholder group names only the declared groups with at
  least PRIVACY_MIN people in it; the rest are counted together as "other";
* the map's points are anonymous: a random sample of at most MAP_POINTS participants, in a
  random order, coordinates rounded to two decimals, no id of any kind.
"""

import numpy as np

from . import compute
from .matrix import NO_DECLARED, Matrix

PRIVACY_MIN = 5
MAP_POINTS = 1500
REPRESENTATIVE = 5


def _composition(declared: np.ndarray, names: dict[int, str]) -> dict:
    ids, sizes = np.unique(declared, return_counts=True)
    shown, other = [], 0
    for group_id, size in sorted(
        zip(ids.tolist(), sizes.tolist(), strict=True), key=lambda x: -x[1]
    ):
        if group_id != NO_DECLARED and size >= PRIVACY_MIN and group_id in names:
            shown.append({"declared": group_id, "name": names[group_id], "count": size})
        else:
            other += size
    return {"declared": shown, "other": other}


def _points(matrix: Matrix, clustering: compute.Clustering, overlay: list[int], seed: int):
    n = len(matrix.authors)
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(n)[:MAP_POINTS]
    scale = float(np.abs(clustering.coords).max()) or 1.0
    index = {group_id: i for i, group_id in enumerate(overlay)}
    return [
        [
            round(float(clustering.coords[i, 0]) / scale, 2),
            round(float(clustering.coords[i, 1]) / scale, 2),
            int(clustering.labels[i]),
            index.get(int(matrix.declared[i]), -1),  # -1: other or none
        ]
        for i in chosen
    ], scale


def _declared_groups(matrix: Matrix, labels: np.ndarray, names: dict[int, str]) -> list[dict]:
    """Each declared group of at least PRIVACY_MIN people: how it spreads over the opinion
    groups (share in its main one: 1 when the label predicts the opinion group)."""
    rows = []
    for group_id in np.unique(matrix.declared).tolist():
        members = labels[matrix.declared == group_id]
        if group_id == NO_DECLARED or len(members) < PRIVACY_MIN or group_id not in names:
            continue
        found, sizes = np.unique(members, return_counts=True)
        main = int(np.argmax(sizes))
        rows.append(
            {
                "declared": group_id,
                "name": names[group_id],
                "size": len(members),
                "main_group": int(found[main]),
                "main_share": round(float(sizes[main]) / len(members), 4),
                "spread": {
                    str(label): round(float(s) / len(members), 4)
                    for label, s in zip(found.tolist(), sizes.tolist(), strict=True)
                },
            }
        )
    rows.sort(key=lambda r: r["main_share"])
    return rows


def summarise(
    matrix: Matrix, clustering: compute.Clustering | None, names: dict[int, str], *, seed: int
) -> dict:
    if clustering is None:
        return {"groups": [], "recommendations": [], "declared": [], "points": [], "overlay": []}
    values, labels, columns = matrix.values, clustering.labels, matrix.columns
    c = compute.counts(values, labels)
    agree, oppose = compute.consensus(c)
    divisive = compute.divisiveness(c)
    divergence, ami = compute.labels_divergence(
        values, labels, matrix.declared, min_size=PRIVACY_MIN
    )
    representative = compute.representative(c, limit=REPRESENTATIVE)
    groups = []
    for g, label in enumerate(c.labels):
        members = labels == label
        size = int(members.sum())
        if size < PRIVACY_MIN:
            continue
        centre = clustering.coords[members].mean(axis=0)
        groups.append(
            {
                "label": label,
                "size": size,
                "centre": [round(float(x), 3) for x in centre],
                "composition": _composition(matrix.declared[members], names),
                "representative": [
                    {
                        **{k: v for k, v in r.items() if k not in ("column", "score")},
                        "recommendation": columns[r["column"]],
                    }
                    for r in representative.get(label, [])
                ],
                "agreement": {
                    str(columns[j]): round(float(c.p_agree[g, j]), 4) for j in range(len(columns))
                },
                "centroid": {
                    str(columns[j]): round(float(clustering.centroids[label][j]), 4)
                    for j in range(len(columns))
                },
            }
        )
    declared = _declared_groups(matrix, labels, names)
    overlay = [row["declared"] for row in declared]
    points, scale = _points(matrix, clustering, overlay, seed)
    for group in groups:
        group["centre"] = [round(x / scale, 2) for x in group["centre"]]
    return {
        "groups": groups,
        "recommendations": [
            {
                "recommendation": rec,
                "consensus": round(float(agree[j]), 4),
                "consensus_oppose": round(float(oppose[j]), 4),
                "divisiveness": round(float(divisive[j]), 4),
                "divergence": round(float(divergence[j]), 4),
                "seen": int(c.seen[:, j].sum()),
            }
            for j, rec in enumerate(columns)
        ],
        "declared": declared,
        "label_agreement": None if ami is None else round(ami, 4),
        "overlay": overlay,
        "points": points,
        "explained_variance": [round(x, 4) for x in clustering.explained_variance],
    }


def previous_centroids(result: dict) -> dict[int, dict[int, float]]:
    """The centroids a stored result keeps, for compute.match_labels."""
    return {
        group["label"]: {int(rec): mean for rec, mean in group["centroid"].items()}
        for group in result.get("groups", [])
    }
