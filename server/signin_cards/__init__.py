"""Printed sign-in cards: a leader's first sign-in on a phone from a one-time QR link."""
