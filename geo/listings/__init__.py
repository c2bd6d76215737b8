"""Listings kept by businesses: owners, proposed changes, their review, versions, photos and
the audit trail."""
