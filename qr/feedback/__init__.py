"""Visitors' feedback about a place, sent from where they stand (a QR code's page or an app),
with a tracking code, handled by the department's staff."""
