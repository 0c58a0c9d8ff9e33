"""Upload actuals: drop several exports at once, check what was recognised (source, period,
column mapping, preview, rows left out), import them all with one button, and undo any import.

The page is thin: reading, mapping and storing live in ``ui/upload.py`` over ``core``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.formatting import format_local_time
from core.models import ImportBatch
from core.store import MAX_UPLOAD_MB, ImportResult, list_imports, undo_import
from core.typography import join_list
from core.usertext import md_plain
from ui import access, digest, state
from ui.upload import (
    ACCEPTED_TYPES,
    GRANULARITIES,
    HOW_TO_SOURCES,
    FileRead,
    UploadedBlob,
    auto_choices,
    batch_period,
    choice_labels,
    confidence_words,
    edits_from_editor,
    file_extension,
    format_day,
    granularity_label,
    granularity_line,
    granularity_note,
    mapping_frame,
    merge_edits,
    metric_name,
    monthly_totals,
    period_of,
    preview_frame,
    read_upload,
    rejected_frame,
    result_lines,
    skipped_frame,
    source_label,
    source_options,
    status_words,
    store_read,
    unmapped_lines,
    uploader_css,
)
from ui.widgets import keep_choices, page_exists, page_header, require_workspace, tr

RESULTS_KEY = "upl_results"
UNDO_KEY = "upl_undo_pending"
DIGESTS_KEY = "upl_digests"
HISTORY_SHOWN = 30

# -- the uploaded files ---------------------------------------------------------------------


def uploaded_blobs() -> list[UploadedBlob]:
    """The files in the uploader, each hashed once per upload (not on every rerun)."""
    # No ``type=``: Streamlit would refuse a .docx with an English hover only; the page says
    # why in the user's language instead (refused_files). Its dropzone words are ours too.
    st.html(uploader_css(tr("ui.upload.dropzone"), tr("ui.upload.browse")))
    files = st.file_uploader(
        tr("ui.upload.uploader"), accept_multiple_files=True, key="upl_files",
        help=tr("ui.upload.uploader_help", mb=MAX_UPLOAD_MB),
    ) or []
    st.caption(tr("ui.upload.limit", mb=MAX_UPLOAD_MB))
    files = refused_files(files)
    known: dict[str, str] = st.session_state.setdefault(DIGESTS_KEY, {})
    blobs: list[UploadedBlob] = []
    seen: set[str] = set()
    for item in files:
        data = item.getvalue()
        file_id = f"{getattr(item, 'file_id', '')}:{item.name}:{len(data)}"
        digest = known.get(file_id)
        blob = UploadedBlob(item.name, data, digest) if digest else UploadedBlob.of(item.name, data)
        known[file_id] = blob.digest
        if blob.digest not in seen:  # the same file dropped twice is one file
            seen.add(blob.digest)
            blobs.append(blob)
    return blobs


def refused_files(files: list[Any]) -> list[Any]:
    """The files this page can read; each other one is named with the reason, on the page."""
    kept = []
    for item in files:
        ext = file_extension(item.name)
        if ext in ACCEPTED_TYPES:
            kept.append(item)
        elif ext:
            st.error(tr("ui.upload.refused_type", file=item.name, kind=ext.upper()), icon=":material/block:")
        else:
            st.error(tr("ui.upload.refused_no_extension", file=item.name), icon=":material/block:")
    return kept


def how_to() -> None:
    """No file yet: which exports work, and how to get each one."""
    with st.container(border=True):
        st.markdown(f"**:material/info: {tr('ui.upload.how.title')}**")
        st.markdown(tr("ui.upload.how.intro"))
        st.markdown("\n".join(f"- {tr(f'ui.upload.how.{key}')}" for key in HOW_TO_SOURCES))
        st.caption(f":material/verified_user: {tr('ui.upload.how.safe')}")


# -- one file -------------------------------------------------------------------------------


def _short(digest: str) -> str:
    return digest[:12]


def _edits(digest: str) -> dict[str, str]:
    return st.session_state.setdefault(f"upl_edits_{_short(digest)}", {})


def _version_key(digest: str) -> str:
    return f"upl_ver_{_short(digest)}"


def _editor_key(digest: str) -> str:
    return f"upl_map_{_short(digest)}_{st.session_state.get(_version_key(digest), 0)}"


def _bump(digest: str) -> None:
    key = _version_key(digest)
    st.session_state[key] = st.session_state.get(key, 0) + 1


def _reset_mapping(digest: str) -> None:
    st.session_state[f"upl_edits_{_short(digest)}"] = {}
    _bump(digest)


def source_choice(blob: UploadedBlob) -> str:
    key = f"upl_src_{_short(blob.digest)}"
    keep_choices(key)
    lang = state.lang()  # bound now: AppTest formats the options outside a script run
    return st.selectbox(
        tr("ui.upload.file.source"), options=source_options(), key=key,
        format_func=lambda k: source_label(k, lang), help=tr("ui.upload.file.source_help"), width=360,
    ) or "auto"


def file_card(ws: Any, blob: UploadedBlob) -> FileRead:
    """Everything about one file, in a bordered card; returns the read for the import."""
    lang = state.lang()
    with st.container(border=True):
        st.subheader(f":material/description: {md_plain(blob.name)}", anchor=False)
        source = source_choice(blob)
        edits = _edits(blob.digest)
        chosen = st.session_state.get(_granularity_choice_key(blob.digest), "auto")
        read = read_upload(state.engine(), ws.id, blob, source, edits, chosen)
        if read.failure is not None or read.parsed is None:
            st.error(f"**{tr('ui.upload.file.unreadable')}** — {read.failure.message(lang) if read.failure else ''}",
                     icon=":material/error:")
            if chosen != "auto":
                granularity_choice(blob.digest, chosen)
            if edits or read.base_columns:
                mapping_editor(read, edits)
            return read
        summary(ws, read, source)
        granularity_box(read)
        parts = _parts(ws, read)
        for tab, (_label, draw) in zip(st.tabs([label for label, _ in parts]), parts, strict=True):
            with tab:
                draw()
    return read


def _parts(ws: Any, read: FileRead) -> list[tuple[str, Any]]:
    """The tabs of a file card, as (label, draw): mapping, preview, then only what applies."""
    parsed = read.parsed
    assert parsed is not None
    lang = state.lang()
    parts: list[tuple[str, Any]] = [
        (tr("ui.upload.mapping.title"), lambda: mapping_editor(read, _edits(read.blob.digest))),
        (tr("ui.upload.preview.title"), lambda: preview(ws, read)),
    ]
    if parsed.rejected:
        parts.append((tr("ui.upload.rejected.title", count=f"{len(parsed.rejected):,}"), lambda: rejected(read)))
    if parsed.skipped:
        parts.append((tr("ui.upload.skipped.title", count=f"{len(parsed.skipped):,}"), lambda: skipped(read)))
    if parsed.warnings:
        parts.append((f"{tr('ui.upload.warnings.title')} ({len(parsed.warnings)})",
                      lambda: st.markdown("\n".join(f"- {w.message(lang)}" for w in parsed.warnings))))
    return parts


def summary(ws: Any, read: FileRead, source: str) -> None:
    """Detected source and confidence, period, figures, rows left out, metrics found."""
    lang = state.lang()
    parsed = read.parsed
    assert parsed is not None
    chosen = source != "auto"
    confidence = parsed.confidence
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown(tr("ui.upload.file.detected", source=f"**{source_label(parsed.source, lang)}**"))
        icon = ":material/check_circle:" if chosen or confidence >= 0.85 else ":material/help:"
        color = "green" if chosen or confidence >= 0.85 else "orange"
        st.badge(confidence_words(confidence, lang, chosen=chosen), icon=icon, color=color)
    period = period_of(parsed)
    span = tr("ui.upload.file.period_value", start=format_day(period[0], lang),
              end=format_day(period[1], lang)) if period else "—"
    with st.container(horizontal=True, gap="large"):
        st.metric(tr("ui.upload.file.period"), span, width="content")
        st.metric(tr("ui.upload.file.rows"), f"{parsed.row_count:,}", width="content")
        st.metric(tr("ui.upload.file.rejected_count"), f"{len(parsed.rejected):,}", width="content")
    if parsed.metrics:
        st.markdown(tr("ui.upload.file.metrics", metrics=join_list((metric_name(m, lang) for m in parsed.metrics), lang)))
    else:
        st.warning(tr("ui.upload.file.no_metrics"), icon=":material/warning:")
    if parsed.currency and ws.currency and parsed.currency.upper() != ws.currency.upper():
        st.warning(tr("ui.upload.file.currency_mismatch", file_currency=parsed.currency, currency=ws.currency),
                   icon=":material/currency_exchange:")


def _granularity_choice_key(digest: str) -> str:
    return f"upl_granchoice_{_short(digest)}"


def _granularity_chosen(digest: str) -> None:
    widget = f"upl_gran_{_short(digest)}"
    st.session_state[_granularity_choice_key(digest)] = st.session_state.get(widget, "auto")


def granularity_choice(digest: str, current: str) -> None:
    """The "each row is a day / week / month" select; a change reads the file again."""
    key = f"upl_gran_{_short(digest)}"
    st.session_state[key] = current if current in GRANULARITIES else "day"
    lang = state.lang()  # bound now: AppTest formats the options outside a script run
    st.selectbox(tr("ui.upload.granularity.label"), options=list(GRANULARITIES), key=key,
                 format_func=lambda g: granularity_label(g, lang), help=tr("ui.upload.granularity.help"),
                 on_change=_granularity_chosen, args=(digest,), width=360)


def granularity_box(read: FileRead) -> None:
    """How the rows were read (with the period and why), its caveat, the select to change it,
    and the columns that look like a metric but were not imported."""
    lang = state.lang()
    parsed = read.parsed
    assert parsed is not None
    line = granularity_line(parsed, lang)
    if line:
        st.markdown(f":material/calendar_month: {line}")
    note = granularity_note(parsed, lang)
    if note:
        st.warning(note, icon=":material/help:")
    granularity_choice(read.blob.digest, parsed.granularity or "day")
    unmapped = unmapped_lines(parsed, lang)
    if unmapped:
        st.warning(f"**{tr('ui.upload.unmapped.title')}**\n\n" + "\n".join(f"- {u}" for u in unmapped),
                   icon=":material/rule:")


def mapping_editor(read: FileRead, edits: dict[str, str]) -> None:
    """The editable mapping; an edit re-reads the file with it (cached) and redraws the table."""
    lang = state.lang()
    digest = read.blob.digest
    frame = mapping_frame(read, edits, lang)
    if frame.empty:
        return
    source = read.parsed.source if read.parsed is not None else read.requested_source
    st.caption(tr("ui.upload.mapping.help", source=source_label(source, lang)))
    key = _editor_key(digest)
    column_config = {
        "column": st.column_config.TextColumn(tr("ui.upload.mapping.column"), disabled=True),
        "sheet": st.column_config.TextColumn(tr("ui.upload.mapping.sheet"), disabled=True),
        "samples": st.column_config.TextColumn(tr("ui.upload.mapping.samples"), disabled=True),
        "role": st.column_config.TextColumn(tr("ui.upload.mapping.role"), disabled=True),
        "use_as": st.column_config.SelectboxColumn(
            tr("ui.upload.mapping.use_as"), options=list(choice_labels(lang).values()), required=True,
            help=tr("ui.upload.mapping.use_as_help"), width="medium",
        ),
        "note": st.column_config.TextColumn(tr("ui.upload.mapping.note"), disabled=True),
    }
    st.data_editor(frame, key=key, hide_index=True, num_rows="fixed", column_config=column_config,
                   width="stretch")
    changed = edits_from_editor(st.session_state.get(key), frame, edits, lang)
    if changed:
        merged = merge_edits(edits, changed, auto_choices(read))
        if merged != edits:
            st.session_state[f"upl_edits_{_short(digest)}"] = merged
            _bump(digest)
            st.rerun()
    if edits:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.caption(tr("ui.upload.mapping.changed", count=len(edits)))
            st.button(tr("ui.upload.mapping.reset"), key=f"upl_reset_{_short(digest)}", on_click=_reset_mapping,
                      args=(digest,), icon=":material/undo:", type="tertiary")


def preview(ws: Any, read: FileRead) -> None:
    lang = state.lang()
    parsed = read.parsed
    assert parsed is not None
    if not parsed.row_count:
        st.info(tr("ui.upload.file.no_metrics"), icon=":material/info:")
        return
    if parsed.spill is not None:
        # A file read in chunks waits on disk: its months are totalled once stored, not here.
        st.info(tr("ui.upload.preview.large", rows=f"{parsed.row_count:,}", shown=f"{len(parsed.observations):,}"),
                icon=":material/info:")
    else:
        st.markdown(f"**{tr('ui.upload.preview.monthly')}**", help=tr("ui.upload.preview.monthly_help"))
        st.dataframe(monthly_totals(parsed, lang, ws.currency), hide_index=True, width="stretch")
    st.markdown(f"**{tr('ui.upload.preview.rows')}**")
    st.dataframe(preview_frame(parsed, lang), hide_index=True, width="stretch")


def rejected(read: FileRead) -> None:
    lang = state.lang()
    parsed = read.parsed
    assert parsed is not None
    if not parsed.rejected:
        return
    table = rejected_frame(parsed, lang)
    if len(table) < len(parsed.rejected):
        st.caption(tr("ui.upload.rejected.more", shown=f"{len(table):,}", count=f"{len(parsed.rejected):,}"))
    st.dataframe(table, hide_index=True, width="stretch")


def skipped(read: FileRead) -> None:
    parsed = read.parsed
    assert parsed is not None
    st.caption(tr("ui.upload.skipped.help"))
    st.dataframe(skipped_frame(parsed, state.lang()), hide_index=True, width="stretch")


# -- import ---------------------------------------------------------------------------------


def import_all(ws: Any, reads: list[FileRead]) -> None:
    """One button for every readable file; a progress bar per file while its rows are written."""
    ready = [r for r in reads if r.ok]
    skipped = len(reads) - len(ready)
    if not ready:
        st.warning(tr("ui.upload.import.none_ready"), icon=":material/warning:")
        return
    if skipped:
        st.caption(tr("ui.upload.import.skipping", count=skipped))
    with st.container(horizontal=True, horizontal_alignment="right"):
        clicked = st.button(tr("ui.upload.import.button", count=len(ready)), key="upl_import", type="primary",
                            icon=":material/upload:")
    if not clicked:
        return
    results: list[ImportResult] = []
    for read in ready:
        text = tr("ui.upload.import.progress", file=md_plain(read.blob.name))
        bar = st.progress(0.0, text=text)

        def report(fraction: float, bar: Any = bar, text: str = text) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=text)

        result = store_read(state.engine(), ws.id, read, _edits(read.blob.digest), on_progress=report)
        bar.progress(1.0, text=tr("ui.upload.import.done_progress", file=md_plain(read.blob.name)))
        results.append(result)
    st.session_state[RESULTS_KEY] = results
    st.session_state.pop(digest.ALERTS_KEY, None)
    if any(r.status != "rejected" for r in results):
        digest.alerts_after_import(ws.id)
    done = sum(r.status == "imported" for r in results)
    if done:
        st.session_state["ui_flash"] = tr("ui.upload.toast.imported", count=done)
    st.rerun()


def last_results() -> None:
    results: list[ImportResult] = st.session_state.get(RESULTS_KEY) or []
    if not results:
        return
    lang = state.lang()
    st.subheader(tr("ui.upload.result.title"), anchor=False)
    show = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}
    icons = {"success": ":material/check_circle:", "info": ":material/info:", "warning": ":material/warning:",
             "error": ":material/error:"}
    for result in results:
        for kind, line in result_lines(result, lang):
            show[kind](line, icon=icons[kind])
    digest.alerts_note()
    if any(r.status == "imported" for r in results) and page_exists("dashboard"):
        st.page_link("pages/dashboard.py", label=tr("ui.upload.result.next"), icon=":material/arrow_forward:")


# -- history and undo -----------------------------------------------------------------------


def _ask_undo(batch_id: int) -> None:
    st.session_state[UNDO_KEY] = batch_id


def _cancel_undo() -> None:
    st.session_state.pop(UNDO_KEY, None)


def _do_undo(batch_id: int, file_name: str) -> None:
    from core.errors import KgiError

    st.session_state.pop(UNDO_KEY, None)
    try:
        undo_import(state.engine(), batch_id)
    except KgiError as exc:
        st.session_state["ui_flash_error"] = exc.message(state.lang())
        return
    st.session_state.pop(RESULTS_KEY, None)  # the last results may describe what was undone
    st.session_state.pop(digest.ALERTS_KEY, None)
    st.session_state["ui_flash"] = tr("ui.upload.undo.done", file=md_plain(file_name))


def confirm_undo(batch: ImportBatch) -> None:
    lang = state.lang()
    with st.container(border=True):
        st.warning(tr("ui.upload.undo.confirm", file=md_plain(batch.file_name), rows=f"{batch.rows:,}",
                      period=batch_period(batch, lang)), icon=":material/undo:")
        with st.container(horizontal=True, horizontal_alignment="right"):
            st.button(tr("ui.upload.undo.cancel"), key="upl_undo_cancel", on_click=_cancel_undo)
            st.button(tr("ui.upload.undo.yes"), key="upl_undo_yes", type="primary", on_click=_do_undo,
                      args=(batch.id, batch.file_name), icon=":material/undo:")


HISTORY_WIDTHS = [3.0, 2.2, 1.4, 1.1, 2.6, 1.8, 1.4]


def history(ws: Any) -> None:
    """Every import, newest first, with Undo on the live ones (after a confirmation)."""
    lang = state.lang()
    st.subheader(tr("ui.upload.history.title"), anchor=False)
    batches = list_imports(state.engine(), ws.id)
    if not batches:
        st.caption(tr("ui.upload.history.empty"))
        return
    st.caption(f":material/undo: {tr('ui.upload.history.explain')}")
    pending = st.session_state.get(UNDO_KEY)
    target = next((b for b in batches if b.id == pending and b.status == "imported"), None)
    if target is not None and access.allowed("undo", ws.id):
        confirm_undo(target)
    header = st.columns(HISTORY_WIDTHS, vertical_alignment="center")
    for column, key in zip(header, ("file", "source", "status", "rows", "period", "when"), strict=False):
        column.markdown(f"**{tr(f'ui.upload.history.{key}')}**")
    for batch in batches[:HISTORY_SHOWN]:
        _history_row(batch, lang)
    if len(batches) > HISTORY_SHOWN:
        st.caption(tr("ui.upload.history.more", shown=HISTORY_SHOWN, count=f"{len(batches):,}"))


def _history_row(batch: ImportBatch, lang: str) -> None:
    cols = st.columns(HISTORY_WIDTHS, vertical_alignment="center")
    cols[0].text(batch.file_name)
    cols[1].markdown(source_label(batch.source, lang))
    cols[2].markdown(status_words(batch.status, lang))
    cols[3].markdown(f"{batch.rows:,}")
    cols[4].markdown(batch_period(batch, lang, compact=True))
    cols[5].markdown(format_local_time(batch.created_at))
    if batch.status == "imported" and access.allowed("undo", batch.workspace_id):
        cols[6].button(tr("ui.upload.undo.button"), key=f"upl_undo_{batch.id}", on_click=_ask_undo,
                       args=(batch.id,), icon=":material/undo:", type="secondary",
                       help=tr("ui.upload.undo.button_help", id=batch.id, file=md_plain(batch.file_name)))


# -- the page -------------------------------------------------------------------------------


def main() -> None:
    page_header("ui.upload.title", "ui.upload.subtitle")
    ws = require_workspace("ui.upload.no_workspace")
    if ws is None:
        st.stop()
    blobs = uploaded_blobs()
    if not blobs:
        how_to()
    reads = [file_card(ws, blob) for blob in blobs]
    if reads:
        import_all(ws, reads)
    last_results()
    st.divider()
    history(ws)


main()
