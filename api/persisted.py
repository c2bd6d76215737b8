"""Documents known by their hash: automatic persisted queries as Apollo's link speaks them
(`@apollo/client/link/persisted-queries`, urql's persisted exchange).

A client sends `extensions.persistedQuery = {"version": 1, "sha256Hash": …}` without the
document (by GET too); a hash this process has not kept is answered `PersistedQueryNotFound`
(`PERSISTED_QUERY_NOT_FOUND`), the client sends the document with its hash, and once that
document has passed parsing, validation and the limits, the process keeps it for the next
requests. The store is an LRU per process (per Lambda container): a miss costs one round
trip, the bytes it saves are the document's, and nothing a client sends outlives the process
or reaches the database."""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from api.errors import ApiErrorCode
from core.errors import DomainError

#: The message Apollo Server answers and every client library recognises.
NOT_FOUND = "PersistedQueryNotFound"
VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")


def document_hash(query: str) -> str:
    """The SHA-256 of a document's UTF-8 text, in lower-case hex (what clients send)."""
    return hashlib.sha256(query.encode()).hexdigest()


class PersistedQueries:
    """The documents this process knows by their hash: at most `max_documents` of them and
    `max_bytes` in all, the least recently used dropped first; a document over
    `max_document_bytes` runs but is not kept."""

    def __init__(self, *, max_documents: int = 2000, max_bytes: int = 8 * 1024 * 1024,
                 max_document_bytes: int = 64 * 1024):
        self.max_documents = max_documents
        self.max_bytes = max_bytes
        self.max_document_bytes = max_document_bytes
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._documents)

    @property
    def size_bytes(self) -> int:
        """The bytes the kept documents take (their UTF-8 text)."""
        return self._bytes

    def get(self, sha256: str) -> str | None:
        """The document of a hash, if kept (it becomes the most recently used)."""
        document = self._documents.get(sha256)
        if document is not None:
            self._documents.move_to_end(sha256)
        return document

    def keep(self, query: str) -> None:
        """Keeps a document under its hash, dropping the least recently used past a bound."""
        size = len(query.encode())
        if size > self.max_document_bytes:
            return
        sha256 = document_hash(query)
        if sha256 in self._documents:
            self._documents.move_to_end(sha256)
            return
        self._documents[sha256] = query
        self._bytes += size
        while len(self._documents) > self.max_documents or self._bytes > self.max_bytes:
            _, dropped = self._documents.popitem(last=False)
            self._bytes -= len(dropped.encode())


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash a request names in `extensions.persistedQuery`, or None when it names none;
    PERSISTED_QUERY_INVALID for another version or what is not a SHA-256 in hex."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, Mapping) or persisted.get("version") != VERSION:
        raise DomainError(ApiErrorCode.PERSISTED_QUERY_INVALID,
                          f"extensions.persistedQuery must be {{version: {VERSION}, "
                          "sha256Hash}", field="extensions")
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256.lower()):
        raise DomainError(ApiErrorCode.PERSISTED_QUERY_INVALID,
                          "extensions.persistedQuery.sha256Hash must be a SHA-256 in hex",
                          field="extensions")
    return sha256.lower()


def persisted_document(store: PersistedQueries, *, query: str | None,
                       extensions: Mapping[str, Any] | None) -> tuple[str | None, bool]:
    """The document a request runs, and whether it is to be kept once it passes: the query
    sent (checked against the hash it names), else the document kept under that hash.
    PERSISTED_QUERY_NOT_FOUND for a hash not kept, PERSISTED_QUERY_INVALID for a query that
    does not match its hash."""
    sha256 = requested_hash(extensions)
    if sha256 is None:
        return query, False
    if query is not None:
        if document_hash(query) != sha256:
            raise DomainError(ApiErrorCode.PERSISTED_QUERY_INVALID,
                              "the query does not match extensions.persistedQuery.sha256Hash",
                              field="extensions")
        return query, store.get(sha256) is None
    kept = store.get(sha256)
    if kept is None:
        raise DomainError(ApiErrorCode.PERSISTED_QUERY_NOT_FOUND, NOT_FOUND)
    return kept, False
