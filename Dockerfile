# The Compassion Portal image: gunicorn serving Django; the same image runs the Celery worker and beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system portal \
    && useradd --system --gid portal --home-dir /app --no-create-home --shell /usr/sbin/nologin portal

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

# The code stays owned by root (read-only to the app); only var/ is writable by it.
COPY . .
# A throwaway key: without it settings would write a var/secret_key file into the image.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p var/media var/mail var/sms \
    && chown -R portal:portal var \
    && chmod 0755 docker/web-start docker/web-healthcheck

USER portal
EXPOSE 8000
CMD ["docker/web-start"]
