"""Pagination of every list endpoint."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from govsocial.api.exceptions import InvalidParameter


class Pagination(PageNumberPagination):
    """Pages of 50 by default; ``?page_size=`` from 1 to 200, anything else refused."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int | None:
        asked = request.query_params.get(self.page_size_query_param)
        if asked is None:
            return self.page_size
        if not asked.isascii() or not asked.isdigit() or not 1 <= int(asked) <= self.max_page_size:
            raise InvalidParameter(
                self.page_size_query_param,
                _("page_size must be a whole number from 1 to %(most)d.")
                % {"most": self.max_page_size},
            )
        return int(asked)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """Describe ``page`` and ``page_size`` with the values they take."""
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"] |= bounds.get(parameter["name"], {})
        return parameters
