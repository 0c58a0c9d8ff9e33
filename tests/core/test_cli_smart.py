"""`kgi smart` through core.cli.main."""

from __future__ import annotations

import json

import pytest

from core.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_reference_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "smart", "2024 年全年營收成長 30%", "--start", "2024-01-01", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["parsed"] == {"metric": "revenue", "direction": "increase",
                              "target": {"kind": "change_pct", "value": 30},
                              "period": {"start": "2024-01-01", "end": "2024-12-31"},
                              "baseline": None, "cadence": None}
    assert set(data) == {"parsed", "criteria"}
    for letter in ("specific", "measurable", "time_bound"):
        assert data["criteria"][letter]["verdict"] == "pass"
    assert set(data["criteria"]["achievable"]) == {"verdict", "reason", "fix"}


def test_json_before_subcommand_and_type(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--json", "smart", "2025 年全年營收成長 30%", "--type", "ecommerce")
    assert code == 0
    assert json.loads(out)["criteria"]["relevant"]["verdict"] == "pass"


def test_vague_goal_human_output_in_zh(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "smart", "希望業績成長")
    assert code == 0  # a report, even when letters fail
    lines = out.splitlines()
    assert lines[0] == "目標：希望業績成長"
    assert "S 具體  [未通過]  「業績」太籠統：可能是營收、訂單數，也可能是利潤。" in lines
    assert any(line.startswith("M 可衡量  [未通過]") for line in lines)
    assert any(line.startswith("T 具時限  [未通過]") for line in lines)
    assert any(line.startswith("    → ") for line in lines)


def test_vague_goal_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "smart", "希望業績成長", "--json")
    criteria = json.loads(out)["criteria"]
    assert [criteria[k]["verdict"] for k in ("specific", "measurable", "time_bound")] == ["fail"] * 3
    assert all(criteria[k]["fix"] for k in ("specific", "measurable", "time_bound"))


def test_ambiguous_rate(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "smart", "Email 營收占比提升 30%", "--json")
    m = json.loads(out)["criteria"]["measurable"]
    assert m["verdict"] == "unknown" and "兩種讀法" in m["reason"]


def test_lang_flag_overrides_sentence_language(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "smart", "Email 營收占比提升 30%", "--lang", "en")
    assert "M Measurable  [UNKNOWN]" in out and "ambiguous" in out


def test_start_date_resolves_relative_period(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "smart", "一年內付費會員數達到 50,000 人", "--start", "2024-03-01", "--json")
    parsed = json.loads(out)["parsed"]
    assert parsed["metric"] == "paid_members"
    assert parsed["target"] == {"kind": "level", "value": 50000}
    assert parsed["period"] == {"start": "2024-03-01", "end": "2025-02-28"}


def test_english_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "smart", "Grow organic traffic 50% by Dec 2025", "--start", "2025-01-01", "--json")
    parsed = json.loads(out)["parsed"]
    assert parsed["metric"] == "organic_sessions"
    assert parsed["target"] == {"kind": "change_pct", "value": 50}
    assert parsed["period"]["end"] == "2025-12-31"


def test_empty_sentence_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "smart", "", "--lang", "zh-TW")
    assert code == 1 and out == ""
    assert err.strip() == "目標是空的。請寫一句話，例如「2025 年全年營收成長 30%」。"
    assert "Traceback" not in err


def test_bad_start_and_type(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "smart", "營收成長 30%", "--start", "2025/01/01")
    assert code == 1 and "2025/01/01" in err and "YYYY-MM-DD" in err and "Traceback" not in err
    code, _, err = _run(capsys, "smart", "Grow revenue 30%", "--type", "shop")
    assert code == 1 and "shop" in err and "ecommerce" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "smart")
    assert code == 2 and "Traceback" not in err


def test_foreign_language_is_a_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "smart", "매출 30% 증가", "--json")
    assert code == 0
    criteria = json.loads(out)["criteria"]
    assert criteria["specific"]["verdict"] == "fail"
    assert criteria["specific"]["reason"].startswith("The sentence was not understood")
