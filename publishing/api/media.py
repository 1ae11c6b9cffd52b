"""An agency's media library through the API: list, upload (multipart), read, change the
alt text, and fetch a file's bytes."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from govsocial.api.parsers import JSONParser, MultiPartParser
from govsocial.api.viewsets import AgencyScopedViewSet
from publishing import services
from publishing.api.serializers import MediaAssetSerializer, MediaUploadSerializer
from publishing.models import MediaAsset
from publishing.networks.limits import LIBRARY_TYPES


class MediaAssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet):
    """The agency's images and videos, with their alt text."""

    model = MediaAsset
    serializer_class = MediaAssetSerializer
    parser_classes = [MultiPartParser, JSONParser]

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("uploaded_by", "agency")

    @extend_schema(
        request={"multipart/form-data": MediaUploadSerializer},
        responses={201: MediaAssetSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Upload a file (multipart ``file``) with its alt text; its type is judged by
        its bytes."""
        if not (request.content_type or "").startswith("multipart/form-data"):
            raise exceptions.UnsupportedMediaType(request.content_type)
        upload = MediaUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        asset = services.media_upload(
            agency=self.agency,
            actor=request.user,  # type: ignore[arg-type]
            file=upload.validated_data["file"],
            alt_text=upload.validated_data["alt_text"],
            alt_text_fr=upload.validated_data["alt_text_fr"],
        )
        return Response(MediaAssetSerializer(asset).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"application/json": MediaAssetSerializer}, responses=MediaAssetSerializer
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the library's alt text of the file (posts already carrying it keep
        theirs)."""
        asset = self.get_object()
        changed = MediaAssetSerializer(asset, data=request.data, partial=True)
        changed.is_valid(raise_exception=True)
        asset = services.media_alt_text_set(
            asset=asset,
            actor=request.user,  # type: ignore[arg-type]
            alt_text=changed.validated_data.get("alt_text", asset.alt_text),
            alt_text_fr=changed.validated_data.get("alt_text_fr", asset.alt_text_fr),
        )
        return Response(MediaAssetSerializer(asset).data)

    @extend_schema(
        responses={(200, mime): OpenApiResponse(OpenApiTypes.BINARY) for mime in LIBRARY_TYPES}
    )
    @action(detail=True, methods=["get"])
    def file(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        """Return the file's bytes, with its type."""
        asset = self.get_object()
        return FileResponse(
            asset.file.open("rb"), content_type=asset.mime_type, filename=asset.original_name
        )
