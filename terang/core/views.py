"""One shape for the staff pages' action handlers: parse a form → call a service → answer.

Every POST handler that changes something (a status transition, a comment, a dismissal, an upload) does the same:

1. validate a small form (a reason, the version shown); an invalid form is an `ApplicationError` with a message;
2. call one service with keyword arguments (often built from the form's cleaned data);
3. on success: `messages.success` and a redirect — or, for an htmx request when the
   handler has a fragment, the fragment re-rendered with status 200;
4. on an `ApplicationError`: re-render the page (`error_template`) with `error` in the context and the error's
   status; for htmx, the fragment with 422 for validation errors (refusals keep 403/404/409); without a page to
   re-render, a refusal answers 403/404 like any page and any other error becomes `messages.error` + redirect.

`run_action` does exactly that, so a view only says which service, with what, and where to go:

    return run_action(
        request, form=TransitionForm(request.POST), service=services.thing_transition,
        kwargs=lambda data: {"actor": request.user, "thing": thing, "to_status": data["to_status"], ...},
        success_message=lambda thing: _("Status menjadi “%(s)s”.") % {"s": thing.get_status_display()},
        redirect_to=reverse("app:thing_detail", args=[thing.pk]),
        error_template="app/thing_detail.html", context=lambda error: _detail_context(request, reload()),
    )

Nothing else is caught: programming errors still surface as 500s, `PermissionDenied`/`Http404` raised by the
service or the context callable pass through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .errors import ApplicationError

T = TypeVar("T")

HTMX_ERROR_STATUS = 422

Kwargs = Mapping[str, Any] | Callable[[Mapping[str, Any]], Mapping[str, Any]]
Context = Callable[[ApplicationError | None], Mapping[str, Any]]


def is_htmx(request: HttpRequest) -> bool:
    """True for a request sent by htmx (it sets `HX-Request: true`)."""
    return request.headers.get("HX-Request") == "true"


def fragment_status(error: ApplicationError | None) -> int:
    """Status of an htmx fragment: 200, 422 for validation errors (htmx swaps it in with the message), otherwise
    the refusal's own status (403, 404, 409)."""
    if error is None:
        return 200
    return HTMX_ERROR_STATUS if error.status_code == 400 else error.status_code


def refuse(error: ApplicationError | None) -> None:
    """Answer refusals like any page: 403 (`PermissionDenied` with the message) and 404; others return."""
    if error is not None and error.status_code == 403:
        raise PermissionDenied(error.message)
    if error is not None and error.status_code == 404:
        raise Http404


def _resolve(value: str | Callable[[Any], str], result: Any) -> str:
    return value(result) if callable(value) else value


def _page(context: Context | None, error: ApplicationError | None) -> dict[str, Any]:
    return {**(context(error) if context is not None else {}), "error": error}


def run_action(
    request: HttpRequest,
    *,
    service: Callable[..., T],
    kwargs: Kwargs,
    redirect_to: str | Callable[[T], str],
    form: forms.Form | None = None,
    invalid_message: str | ApplicationError | None = None,
    success_message: str | Callable[[T], str] | None = None,
    error_template: str | None = None,
    fragment_template: str | None = None,
    context: Context | None = None,
) -> HttpResponse:
    """Validate `form`, call `service(**kwargs)` and answer (see the module docstring).

    - `kwargs`: the service's keyword arguments, or a function of the form's cleaned data returning them.
    - `invalid_message`: the error (text, or an `ApplicationError` to give a field/code) when the form is invalid;
      default "Permintaan tidak valid.".
    - `success_message`, `redirect_to`: text/URL, or functions of the service's return value.
    - `error_template`: the full page re-rendered on an error, with `context(error)` plus `error`.
    - `fragment_template`: for htmx requests, the fragment rendered with `context(error)` plus `error` on success
      (error None, status 200) and on error (422 / refusal status); no success message is queued then.
    - without `error_template`, a non-htmx error is refused (403/404) or shown with `messages.error` and the
      redirect to `redirect_to`, which must then be a URL (the service returned nothing to build it from).
    """
    if (error_template or fragment_template) and context is None:
        raise TypeError("run_action: a template needs a context function")
    if error_template is None and callable(redirect_to):
        raise TypeError("run_action: without error_template, redirect_to must be a URL")
    error: ApplicationError | None = None
    result: Any = None
    if form is not None and not form.is_valid():
        error = (invalid_message if isinstance(invalid_message, ApplicationError)
                 else ApplicationError(invalid_message or _("Permintaan tidak valid.")))
    else:
        arguments = kwargs(form.cleaned_data if form is not None else {}) if callable(kwargs) else kwargs
        try:
            result = service(**arguments)
        except ApplicationError as exc:
            error = exc
    if fragment_template is not None and is_htmx(request):
        return render(request, fragment_template, _page(context, error), status=fragment_status(error))
    if error is None:
        if success_message is not None:
            messages.success(request, _resolve(success_message, result))
        return redirect(_resolve(redirect_to, result))
    if error_template is not None:
        return render(request, error_template, _page(context, error), status=error.status_code)
    refuse(error)
    messages.error(request, error.message)
    return redirect(_resolve(redirect_to, None))
