"""Opinion groups found in the positions themselves: Pol.is' method on a consultation's
recommendations. Pure functions on numpy arrays, no database (matrix.py reads it).

The input is a participant × recommendation matrix of stance values (results.consensus
STANCE_VALUES: endorse +1, endorse with reservations +½, oppose −1) with NaN where the
participant took no position.

Missing values. Each column is centred on the mean of the positions it has, and a missing
position is then 0: the column mean, i.e. "like the average participant". As in Pol.is, each
row is then scaled by sqrt(recommendations / positions taken), so that someone who answered
few recommendations is not pulled to the centre of the map merely for having said little.

Groups. k-means (scikit-learn) on the imputed, scaled matrix, for k from 2 to 5; the k with
the best silhouette wins among those whose every group has at least the minimum group size.
The map is the PCA (scikit-learn) of the same matrix to two components.

Identities. Each group's centroid is kept as its mean stance per recommendation. The next run
matches its new centroids to the previous run's by the Hungarian assignment
(scipy.optimize.linear_sum_assignment) on their distance over the recommendations both runs
have, so that "group B" keeps its meaning; a new group takes the first label the previous run
did not use.

What a group stands for (Pol.is' representativeness). For a group g and a recommendation,
agreement is an endorsement (with or without reservations) and disagreement an opposition.
p(agree in g) = (1 + agrees in g) / (2 + positions in g), and likewise outside g;
the representativeness is their ratio. A recommendation represents g when both a one-sample
test that g's agreement exceeds ½ and a two-proportion z-test that it exceeds the rest's
pass at 90 % (z > 1.2816, one-sided), as in Pol.is; the same for disagreement.

Group-informed consensus: the product over the groups of p(agree in g), so a recommendation
scores high only if every group agrees, not merely the largest. Divisiveness: the standard
deviation of p(agree in g) across the groups, each group weighing the same.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np

# scikit-learn and SciPy are imported by the functions that use them, for memory: they add
# about 110 MB to a process, and every worker imports this module (results.tasks, and the
# API's views through summary) while few processes ever compute opinion groups: the
# digests' and the outbox's workers would carry them for nothing (bench/digests.py, peak RSS).

Z_90 = 1.2816  # one-sided 90 % (Pol.is' threshold)
K_RANGE = range(2, 6)
FIT_SAMPLE = 8_000  # k is chosen on a random sample of the rows (see choose_clusters)
SILHOUETTE_SAMPLE = 2000  # silhouette is O(n²): scored on a fixed random sample
N_INIT = 2


@dataclass(frozen=True)
class Parameters:
    min_positions: int = 3
    min_group_size: int = 5
    seed: int = 0

    def as_dict(self) -> dict:
        return {
            "min_positions": self.min_positions,
            "min_group_size": self.min_group_size,
            "k_range": [K_RANGE.start, K_RANGE.stop - 1],
            "seed": self.seed,
            "imputation": "column mean, rows scaled by sqrt(recommendations / answered)",
            "clustering": "k-means on the imputed matrix, k by silhouette",
            "projection": "PCA, 2 components",
        }


@dataclass
class Clustering:
    labels: np.ndarray  # (n,) the stable label of each participant's group
    coords: np.ndarray  # (n, 2) the PCA projection
    k: int
    silhouette: float
    explained_variance: list[float]
    centroids: dict[int, np.ndarray] = field(default_factory=dict)  # label -> (m,) means


def imputed(values: np.ndarray) -> np.ndarray:
    """Centred per column, missing set to the column mean (0), rows scaled (see above)."""
    answered = ~np.isnan(values)
    counts = answered.sum(axis=0)
    sums = np.where(answered, values, 0).sum(axis=0)
    means = np.divide(sums, counts, out=np.zeros(values.shape[1]), where=counts > 0)
    filled = np.where(answered, values - means, 0).astype(np.float32)
    per_row = answered.sum(axis=1)
    scale = np.sqrt(values.shape[1] / np.maximum(per_row, 1)).astype(np.float32)
    filled *= scale[:, None]
    return filled


def project(filled: np.ndarray, *, seed: int) -> tuple[np.ndarray, list[float]]:
    """Two PCA components, each oriented so that its largest loading is positive (a sign
    flip between runs would mirror the map for no reason)."""
    from sklearn.decomposition import PCA

    components = min(2, *filled.shape)
    pca = PCA(n_components=components, random_state=seed)
    coords = pca.fit_transform(filled)
    for i, loading in enumerate(pca.components_):
        if loading[np.argmax(np.abs(loading))] < 0:
            coords[:, i] *= -1
    if components < 2:
        coords = np.column_stack([coords, np.zeros((coords.shape[0], 2 - components))])
    return coords, [float(r) for r in pca.explained_variance_ratio_]


def choose_clusters(filled: np.ndarray, *, min_group_size: int, seed: int):
    """(cluster index per row, k, silhouette) for the best k, or None when no k from 2 to 5
    gives groups of the minimum size (too few participants, or all of one mind).

    k-means runs on a fixed random sample of at most FIT_SAMPLE rows (the silhouette on at
    most SILHOUETTE_SAMPLE of them); every row then goes to its nearest centroid."""
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import silhouette_score

    n = filled.shape[0]
    rng = np.random.default_rng(seed)
    fit_rows = rng.choice(n, size=min(n, FIT_SAMPLE), replace=False)
    scored = fit_rows[: min(len(fit_rows), SILHOUETTE_SAMPLE)]
    best = None
    for k in K_RANGE:
        if n < k * min_group_size:
            break
        with warnings.catch_warnings():
            # Fewer distinct points than k (people of one mind): that k is simply not chosen.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = KMeans(n_clusters=k, n_init=N_INIT, random_state=seed).fit(filled[fit_rows])
        labels = model.predict(filled)
        if np.bincount(labels, minlength=k).min() < min_group_size:
            continue
        if len(np.unique(labels[scored])) < 2:
            continue
        score = float(silhouette_score(filled[scored], labels[scored]))
        if best is None or score > best[2]:
            best = (model, k, score)
    if best is None:
        return None
    model, k, score = best
    return model.predict(filled), k, score


def _sums_by_group(x: np.ndarray, groups: np.ndarray, order) -> np.ndarray:
    """(len(order), m): the column sums of `x` over each group's rows (plain numpy: a BLAS
    product would be no faster here and spins its threads on a busy machine)."""
    return np.stack([x[groups == g].sum(axis=0, dtype=np.float32) for g in order])


def group_means(values: np.ndarray, clusters: np.ndarray, k: int) -> np.ndarray:
    """(k, m): each cluster's mean stance per recommendation (0 where it took none)."""
    answered = ~np.isnan(values)
    sums = _sums_by_group(np.where(answered, values, 0), clusters, range(k))
    counts = _sums_by_group(answered, clusters, range(k))
    return np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)


def match_labels(
    means: np.ndarray, columns: list[int], previous: dict[int, dict[int, float]]
) -> list[int]:
    """The stable label of each new cluster: Hungarian matching to the previous run's
    centroids ({label: {recommendation id: mean}}) over the recommendations both have."""
    from scipy.optimize import linear_sum_assignment

    k = means.shape[0]
    if not previous:
        return list(range(k))
    old_labels = sorted(previous)
    shared = [j for j, rec in enumerate(columns) if all(rec in previous[o] for o in old_labels)]
    cost = np.zeros((k, len(old_labels)))
    for b, label in enumerate(old_labels):
        old = np.array([previous[label][columns[j]] for j in shared])
        cost[:, b] = np.linalg.norm(means[:, shared] - old, axis=1) if shared else 0
    rows, cols = linear_sum_assignment(cost)
    labels = [-1] * k
    for r, c in zip(rows, cols, strict=True):
        labels[r] = old_labels[c]
    unused = (x for x in range(k + len(old_labels)) if x not in old_labels)
    return [label if label >= 0 else next(unused) for label in labels]


def cluster(
    values: np.ndarray,
    columns: list[int],
    params: Parameters,
    previous: dict[int, dict[int, float]] | None = None,
) -> Clustering | None:
    """Opinion groups of the participants (rows of `values`), or None if none are found."""
    filled = imputed(values)
    chosen = choose_clusters(filled, min_group_size=params.min_group_size, seed=params.seed)
    if chosen is None:
        return None
    clusters, k, score = chosen
    means = group_means(values, clusters, k)
    stable = np.array(match_labels(means, columns, previous or {}))
    coords, explained = project(filled, seed=params.seed)
    return Clustering(
        labels=stable[clusters],
        coords=coords,
        k=k,
        silhouette=score,
        explained_variance=explained,
        centroids={int(stable[i]): means[i] for i in range(k)},
    )


# -- What each group stands for --------------------------------------------------------------


def prop_test(successes: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Pol.is' one-sample z for a proportion above ½ (with a pseudocount)."""
    successes, n = successes + 1, n + 1
    return 2 * np.sqrt(n) * (successes / n - 0.5)


def two_prop_test(succ_in, n_in, succ_out, n_out) -> np.ndarray:
    """Pol.is' two-proportion z-test of the group's proportion against the rest's."""
    succ_in, n_in, succ_out, n_out = succ_in + 1, n_in + 1, succ_out + 1, n_out + 1
    pi1, pi2 = succ_in / n_in, succ_out / n_out
    pooled = (succ_in + succ_out) / (n_in + n_out)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n_in + 1 / n_out))
    return np.divide(pi1 - pi2, spread, out=np.zeros_like(pi1), where=spread > 0)


@dataclass
class Counts:
    """Per group (rows, in `labels` order) and recommendation (columns)."""

    labels: list[int]
    agree: np.ndarray
    disagree: np.ndarray
    seen: np.ndarray

    @property
    def p_agree(self) -> np.ndarray:
        return (1 + self.agree) / (2 + self.seen)

    @property
    def p_disagree(self) -> np.ndarray:
        return (1 + self.disagree) / (2 + self.seen)


def counts(values: np.ndarray, labels: np.ndarray) -> Counts:
    order = sorted(int(x) for x in np.unique(labels))
    return Counts(
        labels=order,
        agree=_sums_by_group(values > 0, labels, order),
        disagree=_sums_by_group(values < 0, labels, order),
        seen=_sums_by_group(~np.isnan(values), labels, order),
    )


def representative(c: Counts, *, limit: int = 5) -> dict[int, list[dict]]:
    """{label: the recommendations (column indices) that represent the group, best first}."""
    out = {}
    for stance, succ in (("endorse", c.agree), ("oppose", c.disagree)):
        succ_out = succ.sum(axis=0) - succ
        seen_out = c.seen.sum(axis=0) - c.seen
        p_in = (1 + succ) / (2 + c.seen)
        p_out = (1 + succ_out) / (2 + seen_out)
        ratio = p_in / p_out
        z_share = prop_test(succ, c.seen)
        z_rest = two_prop_test(succ, c.seen, succ_out, seen_out)
        for g, label in enumerate(c.labels):
            for j in np.flatnonzero((z_share[g] > Z_90) & (z_rest[g] > Z_90)):
                out.setdefault(label, []).append(
                    {
                        "column": int(j),
                        "stance": stance,
                        "p_in": round(float(p_in[g, j]), 4),
                        "p_out": round(float(p_out[g, j]), 4),
                        "representativeness": round(float(ratio[g, j]), 4),
                        "z": round(float(z_rest[g, j]), 3),
                        "z_share": round(float(z_share[g, j]), 3),
                        "score": float(ratio[g, j] * p_in[g, j]),
                    }
                )
    for label, items in out.items():
        items.sort(key=lambda r: -r["score"])
        out[label] = items[:limit]
    return out


def consensus(c: Counts) -> tuple[np.ndarray, np.ndarray]:
    """Group-informed consensus per recommendation: agreement and disagreement."""
    return np.prod(c.p_agree, axis=0), np.prod(c.p_disagree, axis=0)


def divisiveness(c: Counts) -> np.ndarray:
    return np.std(c.p_agree, axis=0)


def labels_divergence(
    values: np.ndarray, opinion: np.ndarray, declared: np.ndarray, *, min_size: int
) -> tuple[np.ndarray, float | None]:
    """Per recommendation: the spread of agreement across opinion groups minus the spread
    across declared groups (those of at least `min_size`). Positive: the labels hide a
    division; negative: the labels divide where opinion groups agree. And the adjusted mutual
    information between the two groupings (1: the labels are the opinion groups; 0: unrelated)."""
    from sklearn.metrics import adjusted_mutual_info_score

    big = [
        g for g, n in zip(*np.unique(declared, return_counts=True), strict=True) if n >= min_size
    ]
    big = [g for g in big if g >= 0]
    if len(big) < 2:
        return np.zeros(values.shape[1]), None
    keep = np.isin(declared, big)
    by_declared = divisiveness(counts(values[keep], declared[keep]))
    ami = adjusted_mutual_info_score(declared[keep], opinion[keep])
    return divisiveness(counts(values, opinion)) - by_declared, float(ami)
