"""What every domain's routes share: their URL tables (`add_rules`) and the transaction step of a route,
the same in every domain: commit or roll back, then say so.

A route owns its transaction (ARCHITECTURE rule 3). It calls its service inside `commit_or_flash`:
when the service returns, the transaction is committed and the success message flashed; when it raises
one of the listed domain errors, the transaction is rolled back and the error is either flashed
(`refused`: the page redirects) or shown on the form (`invalid`: the page is rendered again, 422). Any
other exception goes up untouched (the request's teardown rolls back).

    with commit_or_flash(ContractError, "Contrat modifié.", form=form, invalid=InvalidInput) as outcome:
        services.update_contract(contract, data, origin=by_me())
    if outcome.committed or outcome.refused:
        return back(contract)
    return render_template(...), 422

A route that needs what the service returned keeps it from inside the block and reads it only when
`outcome.committed`; a success message that depends on it is set on `outcome.success` in the block, or
flashed after the block when it must be worded after the commit. `attach_errors` is the one way to put
a domain error's messages on a form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, render_template
from sqlalchemy.exc import IntegrityError

from concertation.extensions import db

Errors = type[Exception] | tuple[type[Exception], ...]

GET, GET_POST, POST = ["GET"], ["GET", "POST"], ["POST"]
# (rule, endpoint, view, methods): one line of a blueprint's URL table.
UrlRule = tuple[str, str, Callable[..., Any], list[str]]


def add_rules(bp: Blueprint, urls: Iterable[UrlRule]) -> None:
    """Register a URL table on its blueprint: the URLs of a domain read as one list beside its views."""
    for rule, endpoint, view, methods in urls:
        bp.add_url_rule(rule, endpoint, view, methods=methods)


@dataclass
class Outcome:
    """What became of a `commit_or_flash` block.

    `success` is the message flashed after the commit: the block may set it when it depends on what
    the block did. `error` is the domain error that rolled the block back, if any.
    """

    success: str = ""
    error: Exception | None = None
    refused: bool = False
    invalid: bool = False

    @property
    def committed(self) -> bool:
        return self.error is None


def attach_errors(
    form: Any, error: Exception, *, aliases: Mapping[str, str] | None = None, field: str = ""
) -> None:
    """Show a domain error on the form: each message on the field it names, the others above the form.

    The messages are the error's `errors` mapping (field name → message, or → list of messages) when it
    has one, otherwise `str(error)` on the field named by the error's `field` attribute, or by `field`.
    `aliases` renames the keys of the service to the names of the form's fields; a key `list.N.name`
    names the field `name` of the N-th entry (from 1) of the FieldList `list`.
    """
    errors = getattr(error, "errors", None)
    if not isinstance(errors, Mapping):
        errors = {getattr(error, "field", "") or field: str(error)}
    fields = form._fields
    for key, value in errors.items():
        messages: Sequence[str] = [value] if isinstance(value, str) else list(value)
        name = (aliases or {}).get(key, key)
        target = fields.get(name)
        parts = name.split(".")
        if len(parts) == 3 and parts[0] in fields and parts[1].isdigit():
            entries = list(fields[parts[0]])
            index = int(parts[1]) - 1
            target = entries[index].form._fields.get(parts[2]) if 0 <= index < len(entries) else None
            if target is not None:
                fields[parts[0]].errors = [*fields[parts[0]].errors, {parts[2]: [*messages]}]
        if target is not None:
            target.errors = [*target.errors, *messages]
        else:
            form.form_errors.extend(messages)
    # `form.errors` is cached by WTForms: computed again, it includes these messages.
    form._errors = None


@contextmanager
def commit_or_flash(
    refused: Errors = (),
    success: str = "",
    *,
    form: Any = None,
    invalid: Errors = (),
    aliases: Mapping[str, str] | None = None,
    field: str = "",
    category: str = "danger",
    conflict: str = "",
) -> Iterator[Outcome]:
    """Run the block as one transaction that the page owns; see the module's docstring.

    - the block returns: commit, flash `outcome.success` (or `success`) as "success";
    - it raises one of `invalid`: roll back, put the messages on `form` (`attach_errors`, with `aliases`
      and `field`) when a form is given, nothing flashed; `outcome.invalid` and `outcome.error` say so;
    - it raises one of `refused`: roll back, flash `str(error)` as `category` ("danger" unless told);
      `outcome.refused`;
    - with a `conflict` message, a constraint of the database refuses the block or its commit (another
      request wrote first, another domain's row still refers to a deleted one): roll back, flash
      `conflict` as `category`; `outcome.refused`. Without one, that IntegrityError goes up.
    `invalid` is tried first, so it may name a subclass of a `refused` class.
    """
    outcome = Outcome(success=success)
    conflicts: Errors = IntegrityError if conflict else ()
    try:
        yield outcome
        db.session.commit()
    except invalid as error:
        db.session.rollback()
        if form is not None:
            attach_errors(form, error, aliases=aliases, field=field)
        outcome.error, outcome.invalid = error, True
    except refused as error:
        db.session.rollback()
        flash(str(error), category)
        outcome.error, outcome.refused = error, True
    except conflicts as error:
        db.session.rollback()
        flash(conflict, category)
        outcome.error, outcome.refused = error, True
    else:
        if outcome.success:
            flash(outcome.success, "success")


def form_page(template: str, form: Any, **context: Any) -> tuple[str, int]:
    """The page of `form`: 200 when first shown, 422 when it comes back refused."""
    return render_template(template, form=form, **context), 422 if form.is_submitted() else 200
