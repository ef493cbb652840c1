"""Totals, categories and places (openlifter/rules/results.py)."""

from openlifter.rules.model import Entry, MeetSetup
from openlifter.rules.points import get_points
from openlifter.rules.results import (
    Category,
    CategoryResults,
    best3_kg,
    best5_kg,
    category_points,
    entry_categories,
    entry_has_lifted,
    final_event_total_kg,
    final_total_kg,
    get_results,
    is_bombed_out,
    lifting_table_place,
    lifting_table_places,
    lifting_table_points,
    opl_place,
    points_text,
    projected_event_total_kg,
    projected_total_kg,
    results_page_rows,
    sort_by_place_in_category,
    sort_category_results,
)
from openlifter.rules.units import kg2lbs


def _pad(values, zero):
    return tuple(values) + (zero,) * (5 - len(values))


def lifter(entry_id, s=(), ss=(), b=(), bs=(), d=(), ds=(), **other):
    """An entry with squat/bench/deadlift weights and statuses (padded to 5)."""
    other.setdefault("name", f"Lifter {entry_id}")
    other.setdefault("bodyweight_kg", 80.0)
    other.setdefault("events", ("SBD",))
    other.setdefault("divisions", ("Open",))
    return Entry(
        id=entry_id,
        squat_kg=_pad([float(x) for x in s], 0.0), squat_status=_pad(ss, 0),
        bench_kg=_pad([float(x) for x in b], 0.0), bench_status=_pad(bs, 0),
        deadlift_kg=_pad([float(x) for x in d], 0.0), deadlift_status=_pad(ds, 0),
        **other,
    )


def full(entry_id, squat, bench, dead, **other):
    """A lifter with one good attempt of each lift."""
    return lifter(entry_id, [squat], [1], [bench], [1], [dead], [1], **other)


MEET = MeetSetup(weight_classes_kg_men=(83.0, 93.0), weight_classes_kg_women=(63.0,))


def ids(entries):
    return [e.id for e in entries]


# --- Best lifts and totals ----------------------------------------------------------------


def test_best3_ignores_fourth_and_fifth_attempts():
    e = lifter(1, [100, 110, 120, 130], [1, 1, -1, 1])
    assert best3_kg(e, "S") == 110
    assert best5_kg(e, "S") == 130


def test_best_lift_ignores_failed_attempts():
    assert best3_kg(lifter(1, [100, 110, 120], [1, -1, -1]), "S") == 100


def test_final_total_sums_the_best_of_each_lift():
    assert final_total_kg(lifter(1, [190, 200], [1, 1], [100], [1], [250, 260], [1, -1])) == 550


def test_final_total_counts_lifts_not_yet_taken_as_zero():
    assert final_total_kg(lifter(1, [200], [1], [100], [0])) == 200


def test_bomb_out_when_opener_failed_and_no_good_lift():
    e = lifter(1, [200, 200, 200], [-1, -1, -1], [100], [1], [250], [1])
    assert is_bombed_out(e)
    assert final_total_kg(e) == 0


def test_failed_opener_voids_total_until_a_later_good_lift():
    pending = lifter(1, [200, 200], [-1, 0], [100], [1])
    assert final_total_kg(pending) == 0
    made = lifter(1, [200, 200], [-1, 1], [100], [1])
    assert not is_bombed_out(made)
    assert final_total_kg(made) == 300


def test_event_total_counts_only_the_lifts_of_the_event():
    e = lifter(1, b=[100, 105], bs=[1, 1], events=("B",))
    assert final_event_total_kg(e, "B") == 105
    assert final_event_total_kg(e, "SBD") == 0


def test_event_total_is_zero_until_every_event_lift_has_a_good_attempt():
    e = lifter(1, [200], [1], [100], [0])
    assert final_event_total_kg(e, "SBD") == 0
    assert final_event_total_kg(e, "S") == 200


def test_projected_total_counts_untaken_openers_but_not_untaken_later_attempts():
    e = lifter(1, [200, 210], [1, 0], [100], [0], [250], [0])
    assert projected_total_kg(e) == 550


def test_projected_total_is_zero_after_a_failed_opener_without_success():
    assert projected_total_kg(lifter(1, [200], [-1], [100], [0])) == 0


def test_projected_event_total_is_voided_by_a_bomb_out_outside_the_event():
    # OpenLifter checks all three lifts' bomb-outs even for a bench-only event.
    e = lifter(1, [200, 200, 200], [-1, -1, -1], [100], [1], events=("B",))
    assert projected_event_total_kg(e, "B") == 0
    assert final_event_total_kg(e, "B") == 100


def test_no_show_has_not_lifted():
    assert not entry_has_lifted(lifter(1, [200], [0], [100], [0], [250], [0]))
    # Only first attempts count.
    assert not entry_has_lifted(lifter(1, [200, 210], [0, 1]))


def test_any_judged_opener_means_the_lifter_has_lifted():
    assert entry_has_lifted(lifter(1, d=[250], ds=[-1]))


# --- Categories -------------------------------------------------------------------------------


def test_entry_is_ranked_in_each_division_and_event():
    e = lifter(1, divisions=("Open", "Junior"), events=("SBD", "B"), bodyweight_kg=90.0)
    assert [(c.division, c.event) for c in entry_categories(e, MEET)] == [
        ("Open", "SBD"), ("Open", "B"), ("Junior", "SBD"), ("Junior", "B"),
    ]


def test_entry_without_divisions_is_ranked_in_a_blank_division():
    assert [c.division for c in entry_categories(lifter(1, divisions=()), MEET)] == [""]


def test_entry_without_events_is_in_no_category():
    assert entry_categories(lifter(1, events=()), MEET) == []


def test_combine_sleeves_and_wraps_ranks_sleeves_as_wraps():
    meet = MeetSetup(combine_sleeves_and_wraps=True)
    assert entry_categories(lifter(1, equipment="Sleeves"), meet)[0].equipment == "Wraps"
    assert entry_categories(lifter(1, equipment="Bare"), meet)[0].equipment == "Bare"


def test_combine_single_and_multi_ranks_single_ply_as_multi_ply():
    meet = MeetSetup(combine_single_and_multi=True)
    assert entry_categories(lifter(1, equipment="Single-ply"), meet)[0].equipment == "Multi-ply"
    assert entry_categories(lifter(1, equipment="Sleeves"), meet)[0].equipment == "Sleeves"


def test_category_weight_class_comes_from_bodyweight():
    assert entry_categories(lifter(1, bodyweight_kg=85.0), MEET)[0].weight_class_str == "93"
    assert entry_categories(lifter(1, bodyweight_kg=101.0), MEET)[0].weight_class_str == "93+"
    assert entry_categories(lifter(1, bodyweight_kg=0.0), MEET)[0].weight_class_str == ""
    assert entry_categories(lifter(1, sex="F", bodyweight_kg=60.0), MEET)[0].weight_class_str == "63"


# --- Sort within a category ---------------------------------------------------------------------


def test_guests_place_after_everyone_even_with_a_higher_total():
    guest = full(1, 300, 200, 350, guest=True)
    assert ids(sort_by_place_in_category([guest, full(2, 100, 50, 120)], "SBD")) == [2, 1]


def test_higher_total_places_first():
    assert ids(sort_by_place_in_category([full(1, 200, 100, 250), full(2, 210, 100, 250)], "SBD")) == [2, 1]


def test_equal_totals_lighter_lifter_places_first():
    heavy = full(1, 200, 100, 250, bodyweight_kg=92.0)
    light = full(2, 210, 100, 240, bodyweight_kg=90.0)
    assert ids(sort_by_place_in_category([heavy, light], "SBD")) == [2, 1]


def test_zero_totals_are_sorted_by_bodyweight_then_name():
    zoe = lifter(1, name="Zoe", bodyweight_kg=80.0)
    adam = lifter(2, name="Adam", bodyweight_kg=80.0)
    light = lifter(3, name="Zed", bodyweight_kg=70.0)
    assert ids(sort_by_place_in_category([zoe, adam, light], "SBD")) == [3, 2, 1]


def test_earlier_last_good_lift_in_sbd_order_wins_a_tie():
    # Projected 550 each; lifter 1's last good lift is the squat, lifter 2's the bench.
    one = lifter(1, [200], [1], [100], [0], [250], [0])
    two = lifter(2, [200], [1], [100], [1], [250], [0])
    assert ids(sort_by_place_in_category([two, one], "SBD", projected=True)) == [1, 2]


def test_earlier_last_good_attempt_wins_a_tie():
    early = lifter(1, [190, 200, 210], [1, 1, -1], events=("S",))
    late = lifter(2, [190, 195, 200], [1, 1, 1], events=("S",))
    assert ids(sort_by_place_in_category([late, early], "S")) == [1, 2]


def test_same_last_attempt_compares_the_previous_attempts_weight_before_lot():
    # Documented quirk: the 0-based attempt index is passed as 1-based, so for a
    # total made on the 3rd attempt the 2nd attempts decide, not the lot numbers.
    a = lifter(1, d=[180, 190, 200], ds=[1, 1, 1], events=("D",), lot=1)
    b = lifter(2, d=[180, 185, 200], ds=[1, 1, 1], events=("D",), lot=2)
    assert ids(sort_by_place_in_category([a, b], "D")) == [2, 1]


def test_total_made_on_second_attempt_compares_openers_then_lot():
    a = lifter(1, d=[190, 200], ds=[1, 1], events=("D",), lot=1)
    b = lifter(2, d=[180, 200], ds=[1, 1], events=("D",), lot=2)
    assert ids(sort_by_place_in_category([a, b], "D")) == [2, 1]
    c = lifter(3, d=[180, 200], ds=[1, 1], events=("D",), lot=1)
    assert ids(sort_by_place_in_category([b, c], "D")) == [3, 2]


def test_total_made_on_opener_skips_weights_and_falls_to_lot_then_name():
    a = lifter(1, d=[200, 210], ds=[1, -1], events=("D",), lot=2, name="Al")
    b = lifter(2, d=[200, 205], ds=[1, -1], events=("D",), lot=1, name="Bo")
    assert ids(sort_by_place_in_category([a, b], "D")) == [2, 1]
    no_lots = [
        lifter(1, d=[200], ds=[1], events=("D",), name="Bo"),
        lifter(2, d=[200], ds=[1], events=("D",), name="Al"),
    ]
    assert ids(sort_by_place_in_category(no_lots, "D")) == [2, 1]


# --- Category presentation order ----------------------------------------------------------


def _sorted_categories(*categories):
    return [r.category for r in sort_category_results(CategoryResults(c, ()) for c in categories)]


def test_categories_are_ordered_by_sex_f_m_mx():
    cats = [Category(sex, "SBD", "Raw", "", "") for sex in ("Mx", "M", "F")]
    assert [c.sex for c in _sorted_categories(*cats)] == ["F", "M", "Mx"]


def test_categories_are_ordered_by_event_sbd_bd_sb_sd_s_b_d():
    events = ["D", "B", "S", "SD", "SB", "BD", "SBD"]
    cats = [Category("M", ev, "Raw", "", "") for ev in events]
    assert [c.event for c in _sorted_categories(*cats)] == ["SBD", "BD", "SB", "SD", "S", "B", "D"]


def test_categories_are_ordered_by_equipment():
    eqs = ["Unlimited", "Multi-ply", "Single-ply", "Wraps", "Sleeves", "Bare"]
    cats = [Category("M", "SBD", eq, "", "") for eq in eqs]
    assert [c.equipment for c in _sorted_categories(*cats)] == list(reversed(eqs))


def test_categories_are_ordered_by_division_as_string():
    cats = [Category("M", "SBD", "Raw", div, "") for div in ("open", "Open", "Junior")]
    assert [c.division for c in _sorted_categories(*cats)] == ["Junior", "Open", "open"]


def test_weight_classes_are_numeric_with_superheavy_last():
    cats = [Category("M", "SBD", "Raw", "", w) for w in ("100+", "100", "52", "", "59")]
    assert [c.weight_class_str for c in _sorted_categories(*cats)] == ["", "52", "59", "100", "100+"]


def test_classes_equal_as_integers_keep_first_seen_order():
    meet = MeetSetup(weight_classes_kg_men=(82.0, 82.5))
    results = get_results([full(1, 1, 1, 1, bodyweight_kg=82.3), full(2, 1, 1, 1, bodyweight_kg=81.0)], meet)
    assert [r.category.weight_class_str for r in results] == ["82.5", "82"]


# --- Places ---------------------------------------------------------------------------------------


def test_place_is_position_in_category_with_guests_numbered_too():
    entries = [full(1, 100, 50, 100, guest=True), full(2, 200, 100, 200), full(3, 150, 100, 200)]
    [result] = get_results(entries, MEET)
    assert [(p.entry.id, p.place) for p in result.placed] == [(2, 1), (3, 2), (1, 3)]


def test_each_division_is_placed_separately():
    entries = [full(1, 100, 50, 100, divisions=("Open", "Junior")), full(2, 200, 100, 200)]
    results = get_results(entries, MEET)
    assert [(r.category.division, [(p.entry.id, p.place) for p in r.placed]) for r in results] == [
        ("Junior", [(1, 1)]), ("Open", [(2, 1), (1, 2)]),
    ]


def test_lifting_table_place_is_blank_without_a_final_total():
    e = lifter(1, [200], [0], [100], [0], [250], [0])
    assert lifting_table_place(e, get_results([e], MEET, projected=True)) == ""


def test_lifting_table_place_shows_g_for_guests():
    e = full(1, 200, 100, 250, guest=True)
    assert lifting_table_place(e, get_results([e], MEET)) == "G"


def test_lifting_table_place_uses_the_first_division_only():
    me = full(1, 200, 100, 250, divisions=("Open", "Junior"))
    stronger = full(2, 250, 150, 300, divisions=("Open",))
    assert lifting_table_place(me, get_results([me, stronger], MEET)) == "2"


def test_lifting_table_place_prefers_the_full_power_category():
    me = full(1, 200, 100, 250, events=("SBD", "B"))
    bencher = lifter(2, b=[150], bs=[1], events=("B",))
    assert lifting_table_place(me, get_results([me, bencher], MEET)) == "1"


def test_lifting_table_place_is_blank_without_a_division():
    e = full(1, 200, 100, 250, divisions=())
    assert lifting_table_place(e, get_results([e], MEET)) == ""


def test_lifting_table_places_use_projected_totals_before_second_deadlifts():
    pending = lifter(1, [200], [1], [100], [1], [250], [0], name="Pending")
    done = lifter(2, [200], [1], [100], [1], [240], [1], name="Done")
    assert lifting_table_places([pending, done], MEET, "D", 1) == {1: "1", 2: "2"}
    assert lifting_table_places([pending, done], MEET, "D", 2) == {1: "2", 2: "1"}


def test_results_page_hides_no_shows_and_dqs_and_marks_guests():
    winner = full(1, 200, 100, 250)
    guest = full(2, 250, 150, 300, guest=True)
    dq = lifter(3, [200], [1], [100, 100, 100], [-1, -1, -1], [250], [1])
    no_show = lifter(4)
    [result] = get_results([winner, guest, dq, no_show], MEET)
    assert [(label, e.id) for label, e in results_page_rows(result)] == [("1", 1), ("G", 2)]


def test_results_page_card_is_empty_when_everyone_is_hidden():
    [result] = get_results([lifter(1)], MEET)
    assert results_page_rows(result) == []


def test_opl_place_is_ns_g_dq_or_the_number():
    assert opl_place(lifter(1), "SBD", 1) == "NS"
    assert opl_place(lifter(2, guest=True), "SBD", 1) == "NS"
    assert opl_place(full(3, 200, 100, 250, guest=True), "SBD", 1) == "G"
    assert opl_place(lifter(4, [200], [1], [100], [-1]), "SBD", 2) == "DQ"
    assert opl_place(full(5, 200, 100, 250), "SBD", 3) == "3"


# --- Points ------------------------------------------------------------------------------------


def test_lifting_table_points_use_the_full_total_not_the_event_total():
    e = lifter(1, [200], [1], [100], [1], events=("B",))
    assert lifting_table_points(e, MeetSetup(formula="Total"), projected=False) == 300
    assert lifting_table_points(e, MeetSetup(formula="Total", in_kg=False), projected=False) == kg2lbs(300)


def test_lifting_table_points_score_the_first_event_or_sbd():
    e = full(1, 200, 100, 250, events=(), bodyweight_kg=83.0)
    gl = lifting_table_points(e, MeetSetup(formula="IPF GL Points"), projected=True)
    assert gl == get_points("IPF GL Points", "M", "Sleeves", "SBD", 83.0, 550, True)
    assert gl != get_points("IPF GL Points", "M", "Sleeves", "B", 83.0, 550, True)


def test_category_points_score_the_final_event_total():
    e = full(1, 200, 100, 250, events=("SBD", "B"))
    bench = Category("M", "B", "Sleeves", "Open", "83")
    assert category_points(e, bench, MeetSetup(formula="Total")) == 100


def test_points_text_is_blank_for_zero_and_a_weight_for_total():
    assert points_text(0, "Wilks") == ""
    assert points_text(550, "Total") == "550"
    assert points_text(412.456, "Wilks") == "412.46"
