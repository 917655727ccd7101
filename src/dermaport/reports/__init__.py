"""Plots and printable reports."""
