"""The OpenAPI schema: drf-spectacular's, plus the error responses every endpoint can give."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_THROTTLED = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "retry_after": {"type": "integer", "nullable": True, "description": "Seconds to wait."},
        "limit": {"type": "string", "description": 'The rate, e.g. "120/minute".'},
    },
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": "Each invalid query parameter with its messages, or a detail message.",
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
}
ERRORS = {
    "400": ("A query parameter is invalid.", _FIELD_ERRORS),
    "403": ("Not allowed (the refresh jobs are for staff).", _DETAIL),
    "404": ("No such record, or an invalid cursor.", _DETAIL),
    "429": ("Too many requests; the Retry-After header says when to try again.", _THROTTLED),
}


class ApiAutoSchema(AutoSchema):
    """Document the 400/403/404/429 bodies (papers/api/errors.py) on every operation."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status, (description, schema) in ERRORS.items():
            responses.setdefault(
                status,
                {"description": description, "content": {"application/json": {"schema": schema}}},
            )
        return responses
