import { registry } from "@web/core/registry";

/**
 * Ask the test server for a screenshot (see tests/test_ui.py) and leave it time to take it.
 */
function screenshot(name, trigger) {
    return {
        content: `screenshot ${name}`,
        trigger,
        async run() {
            // let charts finish their entry animation first
            await new Promise((resolve) => setTimeout(resolve, 1000));
            console.log(`kpi-screenshot:${name}`);
            await new Promise((resolve) => setTimeout(resolve, 1500));
        },
    };
}

registry.category("web_tour.tours").add("kpi_my_kpis_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "the KPI systray item shows the overall score",
            trigger: ".o_kpi_systray .o_kpi_systray_score:contains('%')",
            run: "click",
        },
        {
            content: "My KPIs shows the meetings card: 6 / 10 meetings",
            trigger: ".o_kpi_card:contains('Meetings planned') .o_kpi_card_value:contains('6 / 10'):contains('meetings')",
        },
        {
            content: "scored 60%, off track",
            trigger: ".o_kpi_card:contains('Meetings planned') .progress-bar.bg-danger:contains('60%')",
        },
        {
            content: "the change since last week and when it was computed",
            trigger: ".o_kpi_card:contains('Meetings planned') .o_kpi_delta:contains('since last week')",
        },
        {
            content: "the overall badge is not green and says how many KPIs are off track",
            trigger: ".o_kpi_overall.text-bg-warning + .o_kpi_overall_off_track:contains('1 of 2 off track')",
        },
        {
            content: "the salesperson has the My KPIs entry",
            trigger: ".o_main_navbar [data-menu-xmlid='kpi_management.kpi_result_menu_my_kpis']",
        },
        {
            content: "the figures are fixed during the day",
            trigger: ".o_kpi_computed:contains('fixed during the day')",
        },
        {
            content: "the salesperson on a bonus scheme sees the bonus estimate, marked as such",
            trigger: ".o_kpi_bonus .o_kpi_bonus_estimate:contains('Estimate')",
        },
        {
            content: "today's amount, the forecast at the period end and one row per KPI",
            trigger: ".o_kpi_bonus:has(.o_kpi_bonus_today):has(.o_kpi_bonus_forecast) .o_kpi_bonus_line:contains('Meetings planned')",
        },
        screenshot("my_kpis", ".o_kpi_card:contains('Won deals')"),
        {
            content: "open the history of the meetings KPI",
            trigger: ".o_kpi_card:contains('Meetings planned')",
            run: "click",
        },
        {
            content: "the graph is drawn",
            trigger: ".o_kpi_detail .o_kpi_history canvas",
        },
        {
            content: "the detail opens where the eye is: right below the cards, scrolled into view",
            trigger: ".o_kpi_detail",
            async run() {
                const detail = document.querySelector(".o_kpi_detail");
                const cards = [...document.querySelectorAll(".o_kpi_card")];
                const bonus = document.querySelector(".o_kpi_bonus");
                if (bonus && bonus.getBoundingClientRect().top < detail.getBoundingClientRect().top) {
                    throw new Error("the history opened below the bonus panel");
                }
                if (cards.some((c) => c.getBoundingClientRect().top > detail.getBoundingClientRect().top)) {
                    throw new Error("the history is not below the cards");
                }
                for (let i = 0; i < 30; i++) {
                    const box = detail.getBoundingClientRect();
                    if (box.top >= 0 && box.top < window.innerHeight - 200) {
                        return;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                throw new Error("the history of the KPI is off screen");
            },
        },
        {
            content: "the forecast is explained",
            trigger: ".o_kpi_detail .o_kpi_forecast_note:contains('from the last value'):contains('damped')",
        },
        screenshot("my_kpis_graph", ".o_kpi_detail .o_kpi_history canvas"),
        {
            content: "open the records that were counted",
            trigger: ".o_kpi_detail .o_kpi_open_records:contains('6')",
            run: "click",
        },
        {
            content: "the six meetings are listed",
            trigger: ".o_list_view .o_data_row:contains('KPI tour meeting 6')",
        },
        {
            content: "exactly six",
            trigger: ".o_list_view:not(:has(.o_data_row:nth-child(7))) .o_data_row:nth-child(6)",
        },
    ],
});

registry.category("web_tour.tours").add("kpi_team_tour", {
    url: "/odoo/action-kpi_management.kpi_result_action_team",
    steps: () => [
        {
            content: "the team kanban has one column per salesperson",
            trigger: ".o_kanban_view .o_kanban_group:contains('KPI Tour Salesperson') .o_kanban_record:contains('Meetings planned'):contains('6 / 10 meetings')",
        },
        {
            content: "who is off track several times in a row",
            trigger: ".o_kanban_record .o_kpi_streak:contains('in a row')",
        },
        {
            content: "a score above 100% draws a full bar, marked (striped) as over the target",
            trigger: ".o_kanban_group:contains('KPI Tour Colleague') .o_kanban_record:contains('Won deals') .o_progressbar:contains('150') .o_kpi_over_target",
        },
        screenshot("team_kanban", ".o_kanban_view .o_kanban_record"),
        {
            content: "open a salesperson's meetings KPI",
            trigger: ".o_kanban_group:contains('KPI Tour Salesperson') .o_kanban_record:contains('Meetings planned')",
            run: "click",
        },
        {
            content: "the result opens with the records counted and its history",
            trigger: ".o_form_view:has(button[name='action_open_records']:contains('6')) .o_field_widget[name='history_ids'] .o_data_row:nth-child(10)",
        },
        screenshot("team_result", ".o_form_view .o_field_widget[name='history_ids'] .o_data_row"),
        {
            content: "back to the team",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "switch to the graph",
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "the score per person and KPI, side by side",
            trigger: ".o_graph_view .o_graph_renderer canvas",
        },
        screenshot("team_graph", ".o_graph_view canvas"),
        {
            content: "switch to the pivot",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "users x rules",
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains('KPI Tour Salesperson')",
        },
        {
            content: "the rules are the columns",
            trigger: ".o_pivot thead:contains('Meetings planned')",
        },
        {
            content: "the other team is not shown",
            trigger: ".o_pivot:not(:contains('KPI Tour Outsider'))",
        },
        screenshot("team_pivot", ".o_pivot table"),
        {
            content: "a manager without KPI results has no My KPIs entry and no KPI systray item",
            trigger: ".o_main_navbar:not(:has(.o_kpi_systray)):not(:has([data-menu-xmlid='kpi_management.kpi_result_menu_my_kpis']))",
        },
    ],
});

registry.category("web_tour.tours").add("kpi_bonus_sheet_tour", {
    steps: () => [
        {
            content: "HR sees plainly that the computed figures are out of date, and why",
            trigger: ".o_form_view .alert-danger:contains('Out of date'):contains('KPI results')",
        },
        {
            content: "and what is missing before submitting",
            trigger: ".o_form_view .alert-warning:contains('Missing figures'):contains('without a nightly result')",
        },
        {
            content: "with missing figures only 'Submit Anyway' is offered",
            trigger: ".o_form_statusbar:has(button[name='action_submit_anyway']):not(:has(button[name='action_submit']))",
        },
        screenshot("bonus_sheet", ".o_field_widget[name='line_ids'] .o_data_row"),
    ],
});

registry.category("web_tour.tours").add("kpi_my_bonus_tour", {
    steps: () => [
        {
            content: "My Bonus Estimate is a screen computed on each visit, titled as such",
            trigger: ".o_kpi_my_bonus h2:contains('My Bonus Estimate')",
        },
        {
            content: "the estimate of the salesperson's scheme, one row per KPI",
            trigger: ".o_kpi_my_bonus .o_kpi_bonus:contains('Tour bonus') .o_kpi_bonus_line:contains('Won deals')",
        },
        screenshot("my_bonus", ".o_kpi_my_bonus .o_kpi_bonus_line"),
    ],
});

registry.category("web_tour.tours").add("kpi_my_periods_tour", {
    steps: () => [
        {
            content: "My KPIs opens on today's cards",
            trigger: ".o_kpi_tab_today.active",
        },
        {
            content: "open the Periods tab",
            trigger: ".o_kpi_tabs .o_kpi_tab_periods",
            run: "click",
        },
        {
            content: "the month is shown by default, its period in progress said to be so far",
            trigger: ".o_kpi_period_type.active[data-period='month']",
        },
        {
            content: "the current month is measured so far, the previous one is final",
            trigger: ".o_kpi_periods_heading[data-column='current']:contains('so far, day') + .o_kpi_periods_heading[data-column='previous']:contains('final')",
        },
        {
            content: "won deals this month, against the month's target of 2",
            trigger: ".o_kpi_periods_row:contains('Won deals') .o_kpi_periods_cell[data-column='current'] .o_kpi_periods_value:contains('/ 2')",
        },
        {
            content: "next to the month before: 4 deals or more, 200%",
            trigger: ".o_kpi_periods_row:contains('Won deals') .o_kpi_periods_cell[data-column='previous'] .progress-bar:contains('200%')",
        },
        {
            content: "the change like with like: in points at this pace, or too early to compare",
            trigger: ".o_kpi_periods_row:contains('Won deals') .o_kpi_periods_change .o_kpi_change:contains('pts'), .o_kpi_periods_row:contains('Won deals') .o_kpi_periods_change .o_kpi_change:contains('Too early to compare')",
        },
        {
            content: "and the last daily value of each period",
            trigger: ".o_kpi_periods_row:contains('Meetings planned') .o_kpi_periods_cell[data-column='current'] .o_kpi_periods_last:contains('Last daily value'):contains(': 6 (')",
        },
        {
            content: "how a period is measured is explained",
            trigger: ".o_kpi_periods_note:contains('measured so far')",
        },
        screenshot("my_kpis_periods", ".o_kpi_periods_table .o_kpi_periods_row"),
        {
            content: "switch to weeks",
            trigger: ".o_kpi_period_type[data-period='week']",
            run: "click",
        },
        {
            content: "this week next to last week",
            trigger: ".o_kpi_period_type.active[data-period='week']",
        },
        {
            content: "weeks are named as such",
            trigger: ".o_kpi_periods_heading[data-column='current']:contains('Week')",
        },
        {
            content: "back to today's cards",
            trigger: ".o_kpi_tabs .o_kpi_tab_today",
            run: "click",
        },
        {
            content: "the cards are back",
            trigger: ".o_kpi_card:contains('Meetings planned')",
        },
    ],
});

registry.category("web_tour.tours").add("kpi_team_periods_tour", {
    steps: () => [
        {
            content: "Team Periods lists the team's members, this month",
            trigger: ".o_list_view .o_group_header:contains('KPI Tour Salesperson')",
        },
        {
            content: "each member's KPI this month, so far, next to the previous month and the change",
            trigger: ".o_list_view .o_data_row:contains('KPI Tour Salesperson'):contains('Won deals'):contains('so far, day')",
        },
        {
            content: "the colleague's won deals",
            trigger: ".o_list_view .o_data_row:contains('KPI Tour Colleague'):contains('Won deals'):contains('/ 2 deals')",
        },
        {
            content: "the other team is not shown",
            trigger: ".o_list_view:not(:contains('KPI Tour Outsider'))",
        },
        screenshot("team_periods", ".o_list_view .o_data_row"),
        {
            content: "every month, not only the current one",
            trigger: ".o_searchview_facet:contains('Current Periods') .o_facet_remove",
            run: "click",
        },
        {
            content: "switch to the pivot",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "members x months: the previous month is a column too, with the change",
            trigger: ".o_pivot:has(thead th:contains('Change')) thead th.o_pivot_header_cell_closed ~ th.o_pivot_header_cell_closed",
        },
        {
            content: "each member's KPIs",
            trigger: ".o_pivot tbody:has(th:contains('KPI Tour Colleague')) th:contains('Won deals')",
        },
        screenshot("team_periods_pivot", ".o_pivot table"),
    ],
});

registry.category("web_tour.tours").add("kpi_own_finding_tour", {
    steps: () => [
        {
            content: "the finding about the salesperson: her two months below target",
            trigger: ".o_form_view .o_field_widget[name='line_ids'] .o_data_row:nth-child(2)",
        },
        {
            content: "the team of two gives no team figure away: neither average nor median",
            trigger: ".o_form_view:not(:has(.o_field_widget[name='team_average_score_shown'])):not(:has(th[data-name='team_average_shown']))",
        },
        {
            content: "the suggestion says why the team's figures are not shown",
            trigger: ".o_field_widget[name='suggestion_shown']:contains('at least 3 other members')",
        },
        {
            content: "nothing to review for the person the finding is about",
            trigger: ".o_form_view:not(:has(button[name='action_mark_reviewed']))",
        },
        {
            content: "the cause is read-only for her",
            trigger: ".o_form_view:has(.o_field_widget[name='cause_id']):not(:has(.o_field_widget[name='cause_id'] input))",
        },
        {
            content: "open the notes",
            trigger: ".o_notebook a:contains('Notes')",
            run: "click",
        },
        {
            content: "she reads the manager's note, not the internal one",
            trigger: ".o_field_widget[name='note_ids'] .o_data_row:contains('Two days of coaching planned')",
        },
        {
            content: "exactly one note, and she cannot add one",
            trigger: ".o_field_widget[name='note_ids']:not(:has(.o_data_row:nth-child(2))):not(:has(.o_field_x2many_list_row_add))",
        },
        {
            content: "back to the periods for the picture",
            trigger: ".o_notebook a:contains('Periods')",
            run: "click",
        },
        screenshot("discrepancy_subject", ".o_field_widget[name='line_ids'] .o_data_row"),
    ],
});
