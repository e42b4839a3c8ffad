"""How many consultants an hour needs: the Erlang C queueing model (M/M/N), as pure functions.

Requests arrive at random (Poisson) at λ per second; a consultant is busy with one for a mean
handling time h seconds (claim to done, exponentially distributed); the offered traffic is
A = λ·h Erlangs. With N consultants and a single first-come-first-served queue:

    Erlang B   B(0) = 1,  B(n) = A·B(n−1) / (n + A·B(n−1))          (stable recursion)
    Erlang C   C(N, A) = N·B(N) / (N − A·(1 − B(N)))                P(a request must wait)
    service level  SL(t) = 1 − C(N, A) · exp(−(N − A)·t / h)        P(acknowledged within t)

and the advice is the smallest N with SL(target) ≥ the wanted level (0.8 by default).
With N ≤ A the queue grows without end: nobody is acknowledged in time in the long run.
"""

from math import exp, floor

# A hard stop for agents_needed; a fitting-room floor never gets near it.
MAX_AGENTS = 1000


def traffic(arrivals_per_hour: float, handle_seconds: float) -> float:
    """Offered load in Erlangs: how many consultants would be busy on average."""
    return arrivals_per_hour * handle_seconds / 3600


def erlang_b(agents: int, traffic: float) -> float:
    """Probability that an arrival finds all `agents` busy in a loss system (Erlang B)."""
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that an arrival has to wait for one of `agents` (Erlang C)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(agents, traffic)
    return agents * blocking / (agents - traffic * (1 - blocking))


def service_level(
    agents: int, traffic: float, target_seconds: float, handle_seconds: float
) -> float:
    """Share of arrivals whose wait is at most `target_seconds`."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    waits = erlang_c(agents, traffic)
    return 1 - waits * exp(-(agents - traffic) * target_seconds / handle_seconds)


def agents_needed(
    traffic: float, target_seconds: float, handle_seconds: float, level: float = 0.8
) -> int:
    """The fewest agents whose service level reaches `level`; 0 when nothing arrives."""
    if traffic <= 0:
        return 0
    agents = floor(traffic) + 1  # fewer can never keep up
    while service_level(agents, traffic, target_seconds, handle_seconds) < level:
        agents += 1
        if agents > MAX_AGENTS:
            raise ValueError(f"more than {MAX_AGENTS} agents for {traffic:.1f} Erlangs")
    return agents
