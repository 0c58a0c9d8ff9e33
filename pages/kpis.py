"""Step 3: the KPIs. The business type's templates come pre-selected; any catalog metric can be
added; each KPI is edited in its own card and saved as soon as a field changes. Beside them, the
driver panel tells whether the KPI targets add up to the KGI and what is still missing.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.catalog import load_catalog
from core.drivers import DriverCheck
from core.errors import KgiError
from core.formatting import format_pct_change, format_value
from core.goals import TARGET_KINDS
from core.i18n import t
from core.models import Kpi, Workspace
from core.plans import (
    KPI_CADENCES,
    add_missing_driver,
    apply_templates,
    delete_kpi,
    get_plan,
    load_draft,
    plan_driver_check,
    save_draft,
    save_kpi,
)
from core.templates import kpi_templates
from core.typography import join_list
from core.usertext import md_plain
from ui import state
from ui.sources import baseline_hint, sources_panel
from ui.units import (
    baseline_from_display,
    baseline_suffix,
    baseline_to_display,
    from_display,
    target_level,
    to_display,
    value_suffix,
)
from ui.widgets import (
    first_existing,
    keep_choices,
    next_step,
    page_exists,
    page_header,
    require_workspace,
    show_error,
    tr,
)

SEEDED = "kpis.seeded"
FIELDS = ("kind", "value", "baseline", "cadence", "owner", "sources", "label")

lang = state.lang()
page_header("ui.kpis.title", "ui.kpis.subtitle", step=3)
ws = require_workspace()
if ws is None:
    st.stop()
engine = state.engine()
ss = st.session_state
catalog = load_catalog()
TEMPLATES = {tpl.key: tpl for tpl in kpi_templates(ws.business_type)}


# -- templates, pre-selected once per workspace -------------------------------------------


def _seed(workspace: Workspace) -> None:
    """Add the type's KPI templates the first time the page opens for a workspace.

    Remembered in the database, so removing a suggested KPI does not bring it back.
    """
    if load_draft(engine, workspace.id, SEEDED):
        return
    if not get_plan(engine, workspace.id).kpis:
        apply_templates(engine, workspace.id)
    save_draft(engine, workspace.id, SEEDED, {"done": True})


# -- labels (the language is bound: format functions may run outside a page run) -----------


def _metric_label(key: str) -> str:
    return catalog[key].name(lang)


def _kind_label(kind: str) -> str:
    return t(f"ui.kind.{kind}", lang)


def _cadence_label(cadence: str) -> str:
    return t(f"ui.cadence.{cadence}", lang)


def _source_labels() -> dict[str, str]:
    try:
        from core.importing.sources import get_source, source_keys
    except ImportError:
        return {}
    return {key: get_source(key).label(lang) for key in source_keys()}


SOURCES = _source_labels()


def _source_label(key: str) -> str:
    return SOURCES.get(key, key)


# -- one KPI card -------------------------------------------------------------------------


def _key(kpi_id: int, field: str) -> str:
    return f"kpi_{kpi_id}_{field}"


def _load_kpi(kpi: Kpi) -> None:
    """Put the stored KPI in its widgets, unless the widgets already hold it this session."""
    if all(_key(kpi.id, f) in ss for f in FIELDS):
        keep_choices(_key(kpi.id, "kind"), _key(kpi.id, "cadence"), _key(kpi.id, "sources"))
        return
    ss[_key(kpi.id, "kind")] = kpi.target_kind
    ss[_key(kpi.id, "value")] = to_display(kpi.target_value, kpi.metric, kpi.target_kind)
    ss[_key(kpi.id, "baseline")] = baseline_to_display(kpi.baseline, kpi.metric)
    ss[_key(kpi.id, "cadence")] = kpi.cadence if kpi.cadence in KPI_CADENCES else "period"
    ss[_key(kpi.id, "owner")] = kpi.owner
    ss[_key(kpi.id, "sources")] = [s for s in kpi.sources if s in SOURCES] if SOURCES else []
    ss[_key(kpi.id, "label")] = kpi.label


def _save(kpi_id: int, metric: str, dimensions: list[str]) -> None:
    """Save every field of one card (called when any of them changes)."""
    kind = ss.get(_key(kpi_id, "kind")) or "change_pct"
    try:
        save_kpi(
            engine, ws.id, kpi_id=kpi_id, metric=metric, target_kind=kind,
            target_value=from_display(ss.get(_key(kpi_id, "value")), metric, kind),
            baseline=baseline_from_display(ss.get(_key(kpi_id, "baseline")), metric),
            cadence=ss.get(_key(kpi_id, "cadence")) or "period",
            owner=ss.get(_key(kpi_id, "owner")) or "",
            sources=ss.get(_key(kpi_id, "sources")) or [],
            dimensions=dimensions,
            label=ss.get(_key(kpi_id, "label")) or "",
        )
    except KgiError as exc:
        ss[_key(kpi_id, "error")] = exc
        return
    ss.pop(_key(kpi_id, "error"), None)


def _remove(kpi_id: int) -> None:
    try:
        delete_kpi(engine, kpi_id)
    except KgiError as exc:
        ss["ui_flash_error"] = exc.message(lang)
        return
    for field in FIELDS:
        ss.pop(_key(kpi_id, field), None)


BAND_STYLE = {
    "typical": (":material/check_circle:", "green"),
    "stretch": (":material/trending_up:", "blue"),
    "ambitious": (":material/warning:", "orange"),
    "extreme": (":material/error:", "red"),
}


def _benchmark(kpi: Kpi) -> None:
    """The target beside the cited benchmark for its metric (when one is shipped)."""
    try:
        from core.benchmarks import benchmarks_for, compare_to_benchmark
    except ImportError:
        return
    level = target_level(kpi.metric, kpi.target_kind, kpi.target_value, kpi.baseline)
    comparison = None
    if level is not None:
        comparison = compare_to_benchmark(
            kpi.metric, level, business_type=ws.business_type, currency=ws.currency
        )
    if comparison is not None:
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            icon, color = BAND_STYLE.get(comparison.band, BAND_STYLE["stretch"])
            st.badge(tr(f"ui.kpis.band.{comparison.band}"), icon=icon, color=color)
            st.caption(comparison.sentence(lang))
        return
    rows = [b for b in benchmarks_for(kpi.metric, business_type=ws.business_type) if b.is_typical
            and b.measure == "level" and (b.currency is None or b.currency == ws.currency)]
    if rows:
        ref = rows[0]
        hint = tr("ui.kpis.benchmark_hint") if level is None else ""
        st.caption(f":material/bar_chart: {tr('ui.kpis.benchmark_typical', typical=ref.formatted(), cite=ref.cite(lang))} {hint}")
    else:
        st.caption(f":material/bar_chart: {tr('ui.kpis.no_benchmark')}")


def _kpi_card(kpi: Kpi, check: DriverCheck | None, kgi_metric: str | None) -> None:
    _load_kpi(kpi)
    metric = catalog[kpi.metric]
    args = (kpi.id, kpi.metric, list(kpi.dimensions))
    with st.container(border=True):
        head, remove = st.columns([6, 1], vertical_alignment="center")
        title = kpi.label or metric.name(lang)
        head.markdown(f"**{_escape(title)}**")
        if kpi.label:
            head.caption(metric.name(lang))
        remove.button(
            tr("ui.common.delete"), key=f"kpi_{kpi.id}_remove", on_click=_remove, args=(kpi.id,),
            icon=":material/delete:", type="tertiary", help=tr("ui.kpis.remove_help"),
        )
        kind = ss.get(_key(kpi.id, "kind"))
        c1, c2, c3, c4 = st.columns([1.6, 1, 1, 1.2])
        c1.selectbox(tr("ui.kpis.kind"), TARGET_KINDS, key=_key(kpi.id, "kind"),
                     format_func=_kind_label, on_change=_save, args=args)
        suffix = value_suffix(kpi.metric, kind, ws.currency)
        c2.number_input(
            tr("ui.kpis.value", unit=suffix) if suffix else tr("ui.kpis.value_plain"),
            key=_key(kpi.id, "value"), value=None, step=1.0, format="%g", on_change=_save, args=args,
        )
        bsuffix = baseline_suffix(kpi.metric, ws.currency)
        c3.number_input(
            tr("ui.kpis.baseline", unit=bsuffix) if bsuffix else tr("ui.kpis.baseline_plain"),
            key=_key(kpi.id, "baseline"), value=None, step=1.0, format="%g", on_change=_save,
            args=args, help=tr("ui.kpis.baseline_help"),
        )
        c4.selectbox(tr("ui.kpis.cadence"), KPI_CADENCES, key=_key(kpi.id, "cadence"),
                     format_func=_cadence_label, on_change=_save, args=args)
        if kpi.baseline is None:
            hint = baseline_hint(ws.id, "kpi", kpi.id, kpi.metric, ws.currency)
            if hint:
                st.caption(f":material/history: {hint}")
        c5, c6, c7 = st.columns([1.6, 1, 2.2])
        c5.text_input(tr("ui.kpis.label"), key=_key(kpi.id, "label"), on_change=_save, args=args,
                      max_chars=200, placeholder=metric.name(lang))
        c6.text_input(tr("ui.kpis.owner"), key=_key(kpi.id, "owner"), on_change=_save, args=args,
                      max_chars=100, placeholder=tr("ui.kpis.owner_placeholder"))
        c7.multiselect(
            tr("ui.kpis.sources"), list(SOURCES), key=_key(kpi.id, "sources"),
            format_func=_source_label, on_change=_save, args=args,
            placeholder=tr("ui.kpis.sources_all"), help=tr("ui.kpis.sources_help"),
        )
        template = TEMPLATES.get(kpi.template_key or "")
        if template is not None and template.suggestion and template.note(lang):
            st.caption(f":material/lightbulb: {template.note(lang)}")
        error = ss.get(_key(kpi.id, "error"))
        if error is not None:
            show_error(error)
        _benchmark(kpi)
        if check is not None and kpi.metric in check.unrelated and kgi_metric:
            st.warning(
                tr("ui.kpis.unrelated", metric=metric.name(lang), kgi=catalog[kgi_metric].name(lang)),
                icon=":material/link_off:",
            )


def _escape(text: str) -> str:
    """Markdown would turn ``*`` or ``_`` in a label into formatting."""
    return md_plain(text)


# -- adding KPIs --------------------------------------------------------------------------


def _default_target(key: str) -> tuple[str, float]:
    metric = catalog[key]
    if metric.unit == "rank":
        return "rank", 3.0
    return "change_pct", (10.0 if metric.higher_is_better else -10.0)


def _add() -> None:
    key = ss.get("kpi_add_metric")
    if not key:
        return
    kind, value = _default_target(key)
    try:
        save_kpi(engine, ws.id, metric=key, target_kind=kind, target_value=value)
    except KgiError as exc:
        ss["ui_flash_error"] = exc.message(lang)
        return
    ss["kpi_add_metric"] = None
    ss["ui_flash"] = tr("ui.kpis.added", metric=catalog[key].name(lang))


def _add_templates() -> None:
    added = apply_templates(engine, ws.id)
    ss["ui_flash"] = tr("ui.kpis.templates_added", count=len(added))


def _add_missing(metric: str) -> None:
    try:
        add_missing_driver(engine, ws.id, metric)
    except KgiError as exc:
        ss["ui_flash_error"] = exc.message(lang)
        return
    ss["ui_flash"] = tr("ui.kpis.added", metric=catalog[metric].name(lang))


def _adder(existing: set[str]) -> None:
    with st.container(border=True):
        st.markdown(f"**{tr('ui.kpis.add_title')}**")
        options = sorted((k for k in catalog.metrics if k not in existing), key=_metric_label)
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        c1.selectbox(tr("ui.kpis.add_metric"), options, key="kpi_add_metric", index=None,
                     format_func=_metric_label, placeholder=tr("ui.kpis.add_placeholder"))
        c2.button(tr("ui.kpis.add_button"), key="kpi_add", on_click=_add, icon=":material/add:",
                  disabled=not ss.get("kpi_add_metric"))
        st.button(tr("ui.kpis.add_templates"), key="kpi_templates", on_click=_add_templates,
                  icon=":material/auto_awesome:", type="tertiary", help=tr("ui.kpis.add_templates_help"))


# -- the driver panel ---------------------------------------------------------------------


def _formula(check: DriverCheck) -> str | None:
    expansion = check.identity
    if expansion is None:
        return None
    name = _metric_label
    if expansion.kind == "stock" and expansion.flow:
        return tr("ui.kpis.formula_stock", target=name(expansion.target), flow=name(expansion.flow))
    top = [name(term.metric) for term in expansion.terms if term.power > 0]
    bottom = [name(term.metric) for term in expansion.terms if term.power < 0]
    text = " × ".join(top) or "1"
    if bottom:
        text += " ÷ " + " ÷ ".join(bottom)
    return f"{name(expansion.target)} = {text}"


def _driver_panel(check: DriverCheck | None, kgi_metric: str | None) -> None:
    st.subheader(tr("ui.kpis.drivers_title"), anchor=False)
    if kgi_metric is None or check is None:
        st.info(tr("ui.kpis.drivers_need_kgi"), icon=":material/flag:")
        if page_exists("kgi"):
            st.page_link("pages/kgi.py", label=tr("ui.kpis.go_kgi"), icon=":material/arrow_back:")
        return
    formula = _formula(check)
    if formula:
        st.caption(f":material/account_tree: {formula}")
    c1, c2 = st.columns(2)
    c1.metric(tr("ui.kpis.kgi_target"), format_pct_change(check.kgi_change_pct, lang))
    c2.metric(tr("ui.kpis.implied"), format_pct_change(check.implied_change_pct, lang))
    _verdict(check, kgi_metric)
    for missing in check.missing:
        _missing_driver(missing)
    if check.indirect:
        names = join_list((_metric_label(m) for m in check.indirect), lang)
        st.caption(f":material/info: {tr('ui.kpis.indirect', metrics=names, kgi=_metric_label(kgi_metric))}")
    if check.uncounted:
        names = join_list((_metric_label(m) for m in check.uncounted), lang)
        st.caption(f":material/info: {tr('ui.kpis.uncounted', metrics=names)}")


def _verdict(check: DriverCheck, kgi_metric: str) -> None:
    kgi_name = _metric_label(kgi_metric)
    if check.implied_change_pct is None:
        if check.identity is None:
            st.info(tr("ui.kpis.no_identity", kgi=kgi_name), icon=":material/info:")
        else:
            st.info(tr("ui.kpis.no_implied", kgi=kgi_name), icon=":material/info:")
        return
    if check.carries:
        st.success(tr("ui.kpis.carries", kgi=kgi_name), icon=":material/check_circle:")
    elif check.carries is False:
        st.warning(
            tr("ui.kpis.short", implied=format_pct_change(check.implied_change_pct, lang),
               target=format_pct_change(check.kgi_change_pct, lang), kgi=kgi_name),
            icon=":material/warning:",
        )


def _missing_driver(missing: Any) -> None:
    name = _metric_label(missing.metric)
    with st.container(border=True):
        if missing.needed_change_pct is not None:
            need = format_pct_change(missing.needed_change_pct, lang)
            st.markdown(f":material/trending_up: {tr('ui.kpis.missing_change', metric=name, change=need)}")
        elif missing.needed_total is not None:
            amount = format_value(missing.needed_total, catalog[missing.metric].unit, lang, ws.currency)
            st.markdown(f":material/add_circle: {tr('ui.kpis.missing_total', metric=name, total=amount)}")
        else:
            st.markdown(f":material/help: {tr('ui.kpis.missing_unknown', metric=name)}")
        st.button(
            tr("ui.kpis.add_missing", metric=name), key=f"kpi_missing_{missing.metric}",
            on_click=_add_missing, args=(missing.metric,), icon=":material/add:",
        )


# -- the page -----------------------------------------------------------------------------

_seed(ws)
keep_choices("kpi_add_metric")
plan = get_plan(engine, ws.id)
kgi_metric = plan.kgi.metric if plan.kgi else None
check = plan_driver_check(engine, ws.id)

if plan.kgi is not None and plan.kgi.text:
    st.markdown(f":material/flag: **{tr('ui.kpis.your_kgi')}** {_escape(plan.kgi.text)}")
if any(tpl.suggestion for tpl in TEMPLATES.values()):
    st.info(tr("ui.kpis.suggestions_note"), icon=":material/lightbulb:")

main, side = st.columns([2, 1], gap="large")
with main:
    if not plan.kpis:
        with st.container(border=True):
            st.markdown(f":material/info: {tr('ui.kpis.empty')}")
    for kpi in plan.kpis:
        _kpi_card(kpi, check, kgi_metric)
    _adder({k.metric for k in plan.kpis})
with side:
    with st.container(border=True):
        _driver_panel(check, kgi_metric)
    plan_metrics = [m for m in ([kgi_metric] if kgi_metric else []) + [k.metric for k in plan.kpis] if m]
    sources_panel(ws.id, ws.business_type, plan_metrics)

next_step(tr("ui.kpis.next"), first_existing("plan"), key="kpi_next", disabled=not plan.kpis)
