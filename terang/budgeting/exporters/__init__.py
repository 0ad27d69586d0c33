"""Exports of e-Budgeting data (Excel)."""
