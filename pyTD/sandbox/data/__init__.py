"""Synthetic data of the sandbox, the same for every provider's wire format.

Everything is a pure function of the seed (and the time asked about):

- :mod:`~pyTD.sandbox.data.seeded`: seeded hashing and random generators;
- :mod:`~pyTD.sandbox.data.universe`: the symbols, their asset types and descriptions;
- :mod:`~pyTD.sandbox.data.cusips`: CUSIPs;
- :mod:`~pyTD.sandbox.data.calendar`: the US exchange calendar in Eastern time;
- :mod:`~pyTD.sandbox.data.prices`: random-walk prices, bars and quote snapshots;
- :mod:`~pyTD.sandbox.data.options`: option math, expirations, strikes, option symbols.
"""
