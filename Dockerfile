FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.9
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev
COPY . .
# The app runs as an unprivileged user that owns only what it writes (var/: static files,
# releases); the code and the virtualenv stay root's, read-only to it.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin irtkb \
    && mkdir -p /app/var \
    && chown -R irtkb:irtkb /app/var
USER irtkb
EXPOSE 8000
