"""The API root: mounts each app's router under /api/v1/."""

from ninja import NinjaAPI

api = NinjaAPI(title="wuxing API", version="1.0.0", description="五星支部创建管理平台 API")
