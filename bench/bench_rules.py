"""How fast is ``incidents.rules.assess``? Run: ``python bench/bench_rules.py``.

It assesses a fixed, varied set of facts (every typology row, referrals under both profiles,
unknown facts of every kind) after a warm-up loop, and prints calls per second.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from incidents.rules import ANSWER_FIELDS, Answer, Facts, assess, policies  # noqa: E402

ROUNDS = 5
SECONDS_PER_ROUND = 0.5


def varied_facts() -> list[Facts]:
    """256 facts drawn with a fixed seed, mostly NO as real incidents are: the same every run."""
    draw = random.Random(2016)
    weighted = [Answer.NO] * 6 + [Answer.YES] * 2 + [Answer.UNKNOWN]
    return [
        Facts(
            ages=tuple(draw.randint(8, 17) for _ in range(draw.randint(0, 3))),
            **{name: draw.choice(weighted) for name in ANSWER_FIELDS},
        )
        for _ in range(256)
    ]


def main() -> None:
    cases = [(facts, profile.name) for facts in varied_facts() for profile in policies()]
    for facts, policy in cases * 5:  # warm up
        assess(facts, policy)

    best = 0.0
    for _ in range(ROUNDS):
        calls, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < SECONDS_PER_ROUND:
            for facts, policy in cases:
                assess(facts, policy)
            calls += len(cases)
        best = max(best, calls / elapsed)

    seeking = sum(assess(f, p).seek_advice for f, p in cases)
    print(
        f"assess(): {best:,.0f} calls/s (best of {ROUNDS} rounds, {len(cases)} varied cases, "
        f"{seeking} seeking advice; Python {sys.version.split()[0]})"
    )


if __name__ == "__main__":
    main()
