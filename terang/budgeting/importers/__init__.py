"""Readers of e-Budgeting input files. They only parse; validation and writes are done by the services."""
