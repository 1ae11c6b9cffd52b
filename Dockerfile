# One image for the web, worker and scheduler processes.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY requirements/app.lock requirements/app.lock
RUN pip install --no-cache-dir --require-hashes -r requirements/app.lock

COPY . .
# Settings need these to load; collectstatic touches neither the database nor Redis.
RUN SECRET_KEY=collectstatic DATABASE_URL=postgresql://build/build REDIS_URL=redis://build \
    STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput -v 0

# The media library and what the archive keeps whole, on the volume docker-compose.yml
# mounts here (a named volume starts with this folder's owner).
RUN useradd --system --home /app govsocial && mkdir -p /files && chown govsocial /files
USER govsocial
ENV STATIC_ROOT=/app/staticfiles
EXPOSE 8000
# As `make run` starts it: processes and threads from gunicorn.conf.py.
CMD ["gunicorn", "govsocial.wsgi:application", "-c", "gunicorn.conf.py", "-b", "0.0.0.0:8000", "--access-logfile", "-"]
