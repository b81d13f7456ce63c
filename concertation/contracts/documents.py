"""Documents attached to a contract, stored under the instance folder with generated names.

The file name given by the browser is only shown (made safe first); the stored name is random, so a name
cannot reach outside the folder or overwrite another file.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import IO

from concertation.contracts.enums import ContractStage, EventKind
from concertation.contracts.exceptions import InvalidInput, NotAllowed
from concertation.contracts.history import record_event
from concertation.contracts.models import Contract, ContractDocument
from concertation.contracts.origin import NO_ORIGIN, Origin
from concertation.contracts.settings import DocumentRules
from concertation.core.uploads import check_upload, store_bytes, stored_path
from concertation.extensions import db


def add_document(
    contract: Contract,
    *,
    title: str,
    filename: str,
    stream: IO[bytes],
    folder: Path,
    rules: DocumentRules,
    origin: Origin = NO_ORIGIN,
) -> ContractDocument:
    """Store an uploaded file for the contract; `folder` is the documents folder of the instance."""
    if contract.stage == ContractStage.CLOS:
        raise NotAllowed("Le contrat est clos : il ne peut plus être modifié.")
    upload = check_upload(filename, stream, title, rules)
    if upload.errors:
        raise InvalidInput(upload.errors, "Document non enregistré")
    title, safe_name, extension, content = upload.title, upload.filename, upload.extension, upload.content
    stored_name = store_bytes(folder, contract.id, extension, content)
    document = ContractDocument(
        title=title,
        filename=safe_name,
        stored_name=stored_name,
        content_type=mimetypes.guess_type(safe_name)[0] or "application/octet-stream",
        size=len(content),
        uploaded_by=origin.user,
    )
    contract.documents.append(document)
    db.session.flush()
    record_event(contract, kind=EventKind.DOCUMENT, origin=origin, summary=f"Document ajouté : {title}.")
    return document


def document_path(folder: Path, document: ContractDocument) -> Path:
    """Where the document's file is stored."""
    return stored_path(folder, document.contract_id, document.stored_name)


def delete_document(document: ContractDocument, folder: Path, *, origin: Origin = NO_ORIGIN) -> Path:
    """Remove the document from the contract; returns its file, for the caller to delete after commit."""
    contract = document.contract
    if contract.stage == ContractStage.CLOS:
        raise NotAllowed("Le contrat est clos : il ne peut plus être modifié.")
    path = document_path(folder, document)
    contract.documents.remove(document)
    db.session.flush()
    record_event(
        contract, kind=EventKind.DOCUMENT, origin=origin, summary=f"Document retiré : {document.title}."
    )
    return path
