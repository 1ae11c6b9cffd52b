"""The API's shared parts: base viewsets, pagination, the error handler."""
