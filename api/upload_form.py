"""Reading a presigned-POST form as it streams in: the fields that come before the file are
collected (a few, small), the file's policy is verified the moment its part begins, and its
bytes are counted against the policy's size as they arrive, so that a forged, expired or
oversized upload is refused after a few kilobytes, whatever the body's length."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from media.errors import MediaError
from media.errors import MediaErrorCode as Code
from media.store import UploadPolicy

#: The fields before the file (key, Content-Type, policy, signature and S3's extras).
MAX_FIELDS = 12
MAX_FIELDS_BYTES = 32 * 1024
#: What may follow the file's bytes: the closing boundary (fields after the file are ignored).
MAX_TRAILER_BYTES = 4 * 1024


class _Refused(Exception):
    """Raised from a parser callback to stop reading the body."""

    def __init__(self, error: MediaError) -> None:
        super().__init__(error.message)
        self.error = error


class UploadForm:
    """One streamed multipart form: fields first, then one file checked against the policy
    that `verify` gives for those fields."""

    def __init__(self, boundary: bytes, verify: Callable[[dict[str, str]], UploadPolicy],
                 declared_length: int | None) -> None:
        self.fields: dict[str, str] = {}
        self.policy: UploadPolicy | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self._verify = verify
        self._declared = declared_length
        self._boundary = boundary
        self._read = 0
        self._fields_bytes = 0
        self._name = ""
        self._value = bytearray()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._disposition = b""
        self._in_file = False
        self._file_done = False
        self._file_end = 0
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin, "on_part_data": self._part_data,
            "on_part_end": self._part_end, "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished})

    async def read(self, stream: AsyncIterator[bytes]) -> bytes:
        """The file's bytes once the body has been read; MediaError as soon as it is refused
        (the rest of the body is left unread)."""
        try:
            async for chunk in stream:
                self._read += len(chunk)
                self._parser.write(chunk)
                if self._file_done and self._read > self._file_end + MAX_TRAILER_BYTES:
                    break  # whatever follows the file is not read
            self._parser.finalize()
        except _Refused as refused:
            raise refused.error from None
        except FormParserError as exc:
            raise MediaError(Code.UPLOAD_POLICY_VIOLATED, "the form is not valid multipart"
                             ) from exc
        if self.policy is None:
            raise MediaError(Code.UPLOAD_MISSING_FILE, "the form has no file")
        self.policy.check_size(self.size)
        return b"".join(self.chunks)

    # -- parser callbacks (synchronous, inside `write`) ----------------------------------------

    def _part_begin(self) -> None:
        self._disposition, self._value = b"", bytearray()
        self._header_field, self._header_value = bytearray(), bytearray()

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        if len(self._header_value) > MAX_FIELDS_BYTES:
            raise _Refused(MediaError(Code.UPLOAD_POLICY_VIOLATED, "a part header is too long"))

    def _header_end(self) -> None:
        if bytes(self._header_field).lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_field, self._header_value = bytearray(), bytearray()

    def _headers_finished(self) -> None:
        if self.policy is not None:
            return  # parts after the file are ignored, as S3 does
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("latin-1")
        if self._name != "file":
            if len(self.fields) >= MAX_FIELDS:
                raise _Refused(MediaError(Code.UPLOAD_POLICY_VIOLATED,
                                          f"more than {MAX_FIELDS} fields before the file"))
            return
        try:
            self.policy = self._verify(self.fields)
        except MediaError as exc:
            raise _Refused(exc) from None
        # Known before the file's first byte: a body longer than the policy allows.
        if self._declared is not None and (
                self._declared - self._read > self.policy.max_bytes + MAX_TRAILER_BYTES
                + len(self._boundary) + 8):
            raise _Refused(MediaError(
                Code.UPLOAD_TOO_LARGE, f"the body has {self._declared} bytes; the policy "
                f"allows a file of {self.policy.max_bytes}"))
        self._in_file = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            assert self.policy is not None
            self.size += end - start
            if self.size > self.policy.max_bytes:
                raise _Refused(MediaError(
                    Code.UPLOAD_TOO_LARGE,
                    f"the file is over the {self.policy.max_bytes} bytes its policy allows"))
            self.chunks.append(data[start:end])
            return
        if self.policy is not None:
            return
        self._fields_bytes += end - start
        if self._fields_bytes > MAX_FIELDS_BYTES:
            raise _Refused(MediaError(Code.UPLOAD_POLICY_VIOLATED,
                                      f"the fields before the file exceed {MAX_FIELDS_BYTES} "
                                      "bytes"))
        self._value += data[start:end]

    def _part_end(self) -> None:
        if self._in_file:
            self._in_file, self._file_done, self._file_end = False, True, self._read
        elif self.policy is None and self._name:
            self.fields[self._name] = self._value.decode("utf-8", "replace")


def boundary_of(content_type: str) -> bytes | None:
    """The boundary of a multipart/form-data content type (the type matched in any case)."""
    media_type, options = parse_options_header(content_type)
    if media_type.lower() != b"multipart/form-data":
        return None
    boundary = options.get(b"boundary")
    return boundary or None
