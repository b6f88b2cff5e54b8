import math

import pytest

from evaluation.pan import Span, baseline_detections, copied_share, merge_runs, pan_measures
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL, ORIGINAL_TRANSPORT


def case(start, end, s0, s1, label="verbatim", doc="s", source="r"):
    return Span.of(doc, start, end, source, s0, s1, label)


def test_perfect_detection():
    m = pan_measures([case(10, 60, 0, 50)], [case(10, 60, 0, 50)])
    assert (m.precision, m.recall, m.granularity, m.plagdet) == (1.0, 1.0, 1.0, 1.0)


def test_half_detected_case_has_half_recall_and_full_precision():
    m = pan_measures([case(0, 100, 0, 100)], [case(0, 50, 0, 50)])
    assert m.recall == pytest.approx(0.5) and m.precision == pytest.approx(1.0)


def test_detection_twice_as_long_as_the_case():
    m = pan_measures([case(0, 50, 0, 50)], [case(0, 100, 0, 100)])
    assert m.precision == pytest.approx(0.5) and m.recall == pytest.approx(1.0)


def test_split_detection_raises_granularity():
    m = pan_measures([case(0, 100, 0, 100)], [case(0, 50, 0, 50), case(50, 100, 50, 100)])
    assert m.granularity == 2.0 and m.recall == pytest.approx(1.0)
    assert m.plagdet == pytest.approx(1.0 / math.log2(3))


def test_wrong_source_detects_nothing():
    m = pan_measures([case(0, 100, 0, 100)], [case(0, 100, 0, 100, source="other")])
    assert m.precision == 0.0 and m.recall == 0.0 and m.source_accuracy == 0.0 and m.plagdet == 0.0


def test_per_label_recall_and_counts():
    cases = [case(0, 100, 0, 100, "verbatim"), case(200, 300, 200, 300, "heavy_rewrite")]
    m = pan_measures(cases, [case(0, 100, 0, 100)])
    assert m.recall_by_label == {"heavy_rewrite": 0.0, "verbatim": 1.0}
    assert m.cases_by_label == {"heavy_rewrite": 1, "verbatim": 1}


def test_stock_characters_are_neutral_for_precision():
    cases = [case(50, 100, 50, 100)]
    detection = case(30, 100, 50, 100)  # 20 extra suspicious chars, all stock
    assert pan_measures(cases, [detection]).precision < 1.0
    assert pan_measures(cases, [detection], stock={"s": [(30, 50)]}).precision == pytest.approx(1.0)


def test_no_detections_no_cases():
    m = pan_measures([], [])
    assert m.precision == 1.0 and m.recall == 1.0


def test_baseline_reports_runs_of_13_identical_chars_with_offsets():
    source = ORIGINAL_HOSPITAL + COPIED
    suspicious = ORIGINAL_SCHOOL + COPIED.replace("三百余人次", "五百余人次")
    found = baseline_detections({"s": suspicious}, {"r": source})
    assert len(found) == 2, "the changed number splits the copy in two (that is the baseline's weakness)"
    first, second = sorted(found, key=lambda d: d.start)
    assert suspicious[first.start : first.end] in COPIED and source[first.source_start : first.source_end] in COPIED
    assert second.end == len(suspicious) - 1  # up to the final 。, which is punctuation


def test_copied_share_counts_meaningful_chars():
    text = "甲乙，丙丁。"
    assert copied_share(text, [(0, 3)]) == pytest.approx(0.5)
    assert copied_share("，。", [(0, 2)]) == 0.0


def test_recall_counts_each_covered_character_of_a_case_once_and_nothing_outside_it():
    case = Span.of("s", 10, 20, "r", 110, 120)

    def recall(ranges):
        detections = [Span.of("s", a, b, "r", 100 + a, 100 + b) for a, b in ranges]
        return pan_measures([case], detections).recall

    # overlapping detections count once: 10-15 and 18-20 on both sides
    assert recall([(5, 12), (11, 15), (18, 30)]) == pytest.approx(7 / 10)
    assert recall([(12, 14)]) == pytest.approx(2 / 10)
    assert recall([(10, 20), (10, 20)]) == pytest.approx(1.0)


def test_merged_baseline_joins_runs_split_by_a_changed_number_only():
    source = ORIGINAL_HOSPITAL + COPIED
    suspicious = ORIGINAL_SCHOOL + COPIED.replace("三百余人次", "五百余人次") + ORIGINAL_TRANSPORT[:40] + COPIED[:30]
    runs = baseline_detections({"s": suspicious}, {"r": source})
    merged = merge_runs(runs)
    assert len(merged) == len(runs) - 1  # the number's two halves become one; the far repeat stays apart
    whole = min(merged, key=lambda d: d.start)
    assert suspicious[whole.start : whole.end].startswith(COPIED[:20])
    assert "五百余人次" in suspicious[whole.start : whole.end]
    assert source[whole.source_start : whole.source_end].rstrip("。") == COPIED.rstrip("。")
