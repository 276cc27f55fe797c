"""Rage, dead and error clicks: planted positives and near-miss negatives, expectations computed by hand."""

from __future__ import annotations

from friction_events import Cols, Events

from replaylens.core.friction import dead_clicks, error_clicks, rage_clicks


def _rage(c: Cols, **kw: object):
    return rage_clicks(c.t, c.x, c.y, c.page, c.target, c.clicks, **kw)  # type: ignore[arg-type]


def _dead(c: Cols, **kw: object):
    return dead_clicks(c.t, c.kind, c.page, c.target, c.interactive, c.is_link, c.clicks, **kw)  # type: ignore


def _clicks(times: list[float], xs: list[float] | None = None, targets: list[int] | None = None,
            pages: list[int] | None = None) -> Cols:
    ev = Events()
    for i, t in enumerate(times):
        ev.click(t, xs[i] if xs else 100.0, 100.0, target=targets[i] if targets else 7,
                 page=pages[i] if pages else 0)
    return ev.cols()


# -- rage clicks: PostHog (default) -------------------------------------------------------------------------------
def test_posthog_three_quick_close_clicks_are_one_burst() -> None:
    h = _rage(_clicks([0, 400, 800], xs=[100, 105, 110]))
    assert len(h) == 1 and h.count.tolist() == [3]
    assert (h.start.tolist(), h.end.tolist(), h.rule) == ([0], [2], ("posthog",))
    assert h.members[0].tolist() == [0, 1, 2]


def test_posthog_longer_burst_is_one_finding_and_separate_bursts_two() -> None:
    h = _rage(_clicks([0, 200, 400, 600, 800, 5000, 5300, 5600]))
    assert h.count.tolist() == [5, 3]
    assert h.start.tolist() == [0, 5] and h.end.tolist() == [4, 7]


def test_posthog_near_misses() -> None:
    assert len(_rage(_clicks([0, 300]))) == 0  # 2 fast clicks
    assert len(_rage(_clicks([0, 300, 600], xs=[100, 140, 180]))) == 0  # 40 px apart
    assert len(_rage(_clicks([0, 300, 600], xs=[100, 130, 160]))) == 0  # exactly 30 px: not "within"
    assert len(_rage(_clicks([0, 300, 600], xs=[100, 129, 158]))) == 1  # 29 px
    assert len(_rage(_clicks([0, 1200, 2400]))) == 0  # 1.2 s apart
    assert len(_rage(_clicks([0, 1000, 2000]))) == 0  # exactly 1 s: not "less than"
    assert len(_rage(_clicks([0, 999, 1998]))) == 1
    assert len(_rage(_clicks([0, 300, 600], pages=[0, 0, 1]))) == 0  # a page change breaks the chain


def test_posthog_distance_is_manhattan_between_consecutive_clicks() -> None:
    ev = Events()
    for t, x, y in ((0, 100, 100), (200, 115, 112), (400, 130, 124)):  # |dx|+|dy| = 27 each, drifting 54 px
        ev.click(t, x, y)
    assert _rage(ev.cols()).count.tolist() == [3]
    ev = Events()
    for t, x, y in ((0, 100, 100), (200, 116, 115), (400, 132, 130)):  # 31 each
        ev.click(t, x, y)
    assert len(_rage(ev.cols())) == 0


# -- rage clicks: OpenReplay and Datadog ---------------------------------------------------------------------------
OPENREPLAY = dict(min_clicks=3, max_gap_ms=300, max_distance_px=0, same_target=True, rule="openreplay")
DATADOG = dict(min_clicks=4, max_distance_px=0, window_ms=1000, rule="datadog")


def test_openreplay_same_element_under_300_ms() -> None:
    far = [100, 400, 700]  # far apart on screen, but the same element: OpenReplay does not look at distance
    assert _rage(_clicks([0, 250, 500], xs=far), **OPENREPLAY).count.tolist() == [3]
    assert len(_rage(_clicks([0, 350, 700]), **OPENREPLAY)) == 0  # 350 ms apart
    assert len(_rage(_clicks([0, 250, 500], targets=[1, 2, 1]), **OPENREPLAY)) == 0  # not the same element
    assert len(_rage(_clicks([0, 250, 500], targets=[-1, -1, -1]), **OPENREPLAY)) == 0  # element unknown


def test_datadog_more_than_three_in_a_sliding_second() -> None:
    assert _rage(_clicks([0, 300, 600, 900]), **DATADOG).count.tolist() == [4]
    assert len(_rage(_clicks([0, 300, 600]), **DATADOG)) == 0  # 3 is not more than 3
    assert len(_rage(_clicks([0, 400, 800, 1200]), **DATADOG)) == 0  # 4 clicks span 1.2 s
    # every 4-click window spans 900 ms: the windows overlap into one burst of 6
    assert _rage(_clicks([0, 300, 600, 900, 1200, 1500]), **DATADOG).count.tolist() == [6]
    h = _rage(_clicks([0, 100, 200, 300, 5000, 5100, 5200, 5300]), **DATADOG)
    assert h.count.tolist() == [4, 4] and h.start.tolist() == [0, 4]


# -- dead clicks -------------------------------------------------------------------------------------------------
def _one_click(response: str | None, after_ms: float, *, interactive: int = 1, link: bool = False,
               with_mutations: bool = True) -> Cols:
    ev = Events().click(1000, target=3, interactive=interactive, link=link)
    if with_mutations:
        ev.add(0, "mutation")  # the recording has mutation events
    if response:
        ev.add(1000 + after_ms, response)
    return ev.cols()


def test_not_interactive_target() -> None:
    h = _dead(_one_click("mutation", 100, interactive=0))  # answered, but the banner is not clickable
    assert h.rule == ("not_interactive",) and h.count.tolist() == [1] and h.start.tolist() == [1]


def test_no_response_thresholds_posthog() -> None:
    assert len(_dead(_one_click("mutation", 2400))) == 0
    h = _dead(_one_click("mutation", 2600))
    assert h.rule == ("no_response",)
    assert len(_dead(_one_click("scroll", 90))) == 0
    assert len(_dead(_one_click("scroll", 110))) == 1
    assert len(_dead(_one_click("selection", 90))) == 0
    assert len(_dead(_one_click("selection", 110))) == 1
    assert len(_dead(_one_click("focus", 900))) == 0
    assert len(_dead(_one_click("visibility", 1100))) == 1
    assert len(_dead(_one_click("navigate", 2000))) == 0  # ours: a navigation answers
    assert len(_dead(_one_click("input", 50))) == 0  # ours: a checkbox toggle answers
    assert len(_dead(_one_click(None, 0))) == 1


def test_openreplay_mutation_threshold() -> None:
    assert len(_dead(_one_click("mutation", 1200), mutation_ms=1234)) == 0
    assert len(_dead(_one_click("mutation", 1300), mutation_ms=1234)) == 1


def test_response_before_the_click_does_not_count() -> None:
    ev = Events().add(990, "mutation").click(1000, target=3, interactive=1)
    assert len(_dead(ev.cols())) == 1


def test_links_ignored_by_no_response_unless_asked() -> None:
    assert len(_dead(_one_click(None, 0, link=True))) == 0
    assert len(_dead(_one_click(None, 0, link=True), ignore_links=False)) == 1


def test_rules_can_be_switched_off() -> None:
    assert len(_dead(_one_click(None, 0), use_no_response=False)) == 0
    assert len(_dead(_one_click("mutation", 10, interactive=0), use_not_interactive=False)) == 0


def test_consecutive_dead_clicks_on_one_target_merge() -> None:
    ev = Events().add(0, "mutation")
    for t in (1000, 1500, 2000):
        ev.click(t, target=5, interactive=0)
    ev.click(2500, target=6, interactive=0)  # another element
    ev.click(9000, target=6, interactive=0)  # same element, 6.5 s later
    h = _dead(ev.cols())
    assert h.count.tolist() == [3, 1, 1]
    assert h.start.tolist() == [1, 4, 5] and h.end.tolist() == [3, 4, 5]
    assert h.members[0].tolist() == [1, 2, 3]


def test_a_live_click_between_two_dead_ones_splits_them() -> None:
    ev = Events().add(0, "mutation")
    ev.click(1000, target=5, interactive=0).click(1400, target=5, interactive=1).add(1450, "mutation")
    ev.click(1800, target=5, interactive=0)
    assert _dead(ev.cols()).count.tolist() == [1, 1]


# -- error clicks ------------------------------------------------------------------------------------------------
def test_error_within_one_second() -> None:
    c = Events().click(1000).add(1900, "error").cols()
    h = error_clicks(c.t, c.kind, c.clicks)
    assert (h.start.tolist(), h.end.tolist(), h.count.tolist(), h.rule) == ([0], [1], [1], ("datadog",))


def test_error_after_1_1_s_is_not_an_error_click() -> None:
    c = Events().click(1000).add(2100, "error").cols()
    assert len(error_clicks(c.t, c.kind, c.clicks)) == 0


def test_errors_charged_to_the_last_click() -> None:
    c = Events().add(500, "error").click(1000).click(1200).add(1300, "error").add(1500, "error").cols()
    h = error_clicks(c.t, c.kind, c.clicks)  # the 500 ms error has no click before it
    assert h.start.tolist() == [2] and h.count.tolist() == [2] and h.members[0].tolist() == [2, 3, 4]
