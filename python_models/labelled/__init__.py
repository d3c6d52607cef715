"""Labelled tables (entity labelled_records): a user's rows with attributes and a known outcome.

Light on purpose: a build without a labelled source imports nothing heavier than pandas from here
(the propensity trainer is imported only when there is something to train).
"""
