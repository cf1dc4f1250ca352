"""The CO2e and cost method of IMPACT.md: the pure estimator, its factors, estimates for listings
and pairs, stored potentials.
"""
