"""An agency's media library through the API: list, upload (multipart), read, change the
alt text, and fetch a file's bytes."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from govsocial.api.viewsets import AgencyScopedViewSet
from publishing import services
from publishing.api.serializers import MediaAssetSerializer, MediaUploadSerializer
from publishing.models import MediaAsset


class MediaAssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AgencyScopedViewSet):
    """The agency's images and videos, with their alt text."""

    model = MediaAsset
    serializer_class = MediaAssetSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("uploaded_by", "agency")

    @extend_schema(request=MediaUploadSerializer, responses={201: MediaAssetSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Upload a file (multipart ``file``) with its alt text; its type is judged by
        its bytes."""
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

    @extend_schema(request=MediaAssetSerializer, responses=MediaAssetSerializer)
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
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}
    )
    @action(detail=True, methods=["get"])
    def file(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        """Return the file's bytes, with its type."""
        asset = self.get_object()
        return FileResponse(
            asset.file.open("rb"), content_type=asset.mime_type, filename=asset.original_name
        )
