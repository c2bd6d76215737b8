"""What every area shares: the declarative base, time, the domain error base, paging and
language tags."""
