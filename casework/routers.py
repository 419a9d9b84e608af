"""The case work routers, registered by the app factory in this order (fixed paths before /{id} paths)."""

from fastapi import APIRouter

from casework import audit_views, callback_views, case_edit_views, case_views, job_views

ROUTERS: tuple[APIRouter, ...] = (
    case_views.router,
    case_edit_views.router,
    callback_views.router,
    job_views.router,
    job_views.coordinators,
    audit_views.router,
)
