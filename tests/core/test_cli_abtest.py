"""``kgi abtest``: human output in both languages, JSON per SPEC §9, errors without tracebacks."""

from __future__ import annotations

import json

import pytest

from core.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "abtest", "--a", "120/2400", "--b", "150/2400", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"rate_a", "rate_b", "lift", "z", "p_value", "ci_low", "ci_high"}
    assert data["rate_a"] == 0.05 and data["rate_b"] == 0.0625 and data["lift"] == pytest.approx(0.25)
    assert round(data["p_value"], 4) == 0.0602


def test_human_output_english(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--lang", "en", "abtest", "--a", "120/2,400", "--b", "150/2400")
    assert code == 0
    assert out.splitlines() == [
        "Version A: 5.00% (120 of 2,400)",
        "Version B: 6.25% (150 of 2,400)",
        "Lift of B over A: +25% (95% confidence interval -1% to +57.8%)",
        "z = 1.88, p = 0.060",
        "The difference is not statistically significant at α = 0.05: it could be chance. "
        "Keep the test running or collect more visitors.",
    ]


def test_human_output_chinese_and_alpha(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "abtest", "--a", "120/2400", "--b", "150/2400", "--alpha", "0.1", "--lang", "zh-TW")
    assert code == 0
    assert "B 相對 A 的提升：+25%（90% 信賴區間" in out
    assert "在 α = 0.1 下差異具統計顯著性" in out


def test_sample_size(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "abtest", "--sample-size", "--baseline", "3%", "--mde", "10%", "--json")
    assert code == 0
    assert json.loads(out) == {"baseline_rate": 0.03, "mde_relative": 0.1, "power": 0.8, "alpha": 0.05,
                               "per_group": 53211, "total": 106422}
    code, out, _ = run(capsys, "--lang", "zh-TW", "abtest", "--sample-size", "--baseline", "0.1", "--mde", "0.2")
    assert "每個版本需要 3,841 位訪客，合計 7,682 位" in out


@pytest.mark.parametrize(
    ("argv", "zh", "en"),
    [
        (["--a", "120/100", "--b", "1/2"], "轉換數不能大於訪客數", "conversions cannot exceed visitors"),
        (["--a", "12-100", "--b", "1/2"], "不是「轉換數/訪客數」的格式", "is not CONVERSIONS/VISITORS"),
        (["--a", "0/0", "--b", "1/2"], "A 組沒有訪客", "Group A has no visitors"),
        (["--a", "1/10"], "請提供兩組數字", "Give both groups"),
        (["--sample-size", "--baseline", "0.03"], "計算樣本數需要", "Sample size needs"),
        (["--sample-size", "--baseline", "abc", "--mde", "0.1"], "不是數字", "is not a number"),
        (["--sample-size", "--baseline", "0.03", "--mde", "0"], "最小可偵測效果", "minimum detectable effect"),
    ],
)
def test_errors_in_both_languages(capsys: pytest.CaptureFixture[str], argv: list[str], zh: str, en: str) -> None:
    for lang, text in (("zh-TW", zh), ("en", en)):
        code, out, err = run(capsys, "--lang", lang, "abtest", *argv)
        assert code == 1
        assert out == ""
        assert text in err
        assert "Traceback" not in err
