"""Turning what members write into safe HTML."""
