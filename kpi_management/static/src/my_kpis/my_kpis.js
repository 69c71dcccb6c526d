import { Component, onWillStart, useEffect, useRef, useState } from "@odoo/owl";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { KpiBonusEstimate } from "../bonus/kpi_bonus_estimate";
import {
    describeDelta,
    formatKpiFigure,
    formatKpiNumber,
    kpiPeriodChoices,
    statusColor,
} from "./kpi_format";
import { KpiHistoryChart } from "./kpi_history_chart";
import { KpiPeriods } from "./kpi_periods";

/**
 * "My KPIs" ("Dagens KPI"): today's KPIs of the current user as cards; a click on a card
 * shows its history, target and forecast, and links to the records that were counted.
 * Users on a bonus scheme also get a "Bonus estimate" panel: the bonus on track today and
 * forecast at the end of the period, per KPI (kpi.bonus.scheme.get_bonus_estimate, one RPC).
 * The "Periods" tab shows each KPI over the week, month, quarter or year next to the previous
 * one (KpiPeriods); the period chosen there is the one of the history graph, and back.
 */
export class MyKpis extends Component {
    static template = "kpi_management.MyKpis";
    static components = { KpiBonusEstimate, KpiHistoryChart, KpiPeriods };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.detailRef = useRef("detail");
        this.state = useState({
            data: null,
            bonus: [],
            selected: null,
            history: null,
            period: "month",
            tab: "today",
        });
        this.periods = kpiPeriodChoices();
        onWillStart(() => this.load());
        // a card's detail opens right below the cards: once rendered, bring it into view
        this.revealPending = false;
        useEffect(
            (history) => {
                if (history && this.revealPending) {
                    this.revealPending = false;
                    this.revealDetail();
                }
            },
            () => [this.state.history]
        );
    }

    async load() {
        const [data, bonus] = await Promise.all([
            this.orm.call("kpi.result", "get_my_kpis", []),
            this.loadBonus(),
        ]);
        this.state.data = data;
        this.state.bonus = bonus;
    }

    async loadBonus() {
        try {
            return await this.orm.silent.call("kpi.bonus.scheme", "get_bonus_estimate", []);
        } catch {
            // no access to the bonus schemes: no panel, the KPIs still show
            return [];
        }
    }

    get selectedCard() {
        return this.state.data?.cards.find((c) => c.rule_id === this.state.selected) || null;
    }

    get computedAt() {
        const value = this.state.data?.computed_at;
        return value ? formatDateTime(deserializeDateTime(value)) : "";
    }

    get recordsLabel() {
        return _t("Show the %(count)s records counted", {
            count: this.state.history?.record_count || 0,
        });
    }

    formatNumber(value) {
        return formatKpiNumber(value);
    }

    /** A card's value or target: money in its currency, as Odoo formats monetary fields; a
     * growth with its sign ("+12", "−$ 5,000"). */
    formatFigure(card, value) {
        return formatKpiFigure(value, card.currency_id, card.growth);
    }

    /** "2 of 3 off track" (or "1 of 3 below target") next to the overall score ("" when all
     * counted KPIs are reached). */
    get overallOffTrack() {
        const overall = this.state.data?.overall;
        if (!overall || !(overall.off_track || overall.warning)) {
            return "";
        }
        if (!overall.off_track) {
            // orange because a KPI is at a warning, though none is off track: say so
            return _t("%(count)s of %(total)s below target", {
                count: overall.warning,
                total: overall.counted,
            });
        }
        return _t("%(count)s of %(total)s off track", {
            count: overall.off_track,
            total: overall.counted,
        });
    }

    statusColor(status) {
        return statusColor(status);
    }

    delta(card) {
        return describeDelta(card);
    }

    barWidth(score) {
        return Math.max(0, Math.min(100, score || 0));
    }

    onCardKeydown(ev, card) {
        if (ev.key === "Enter") {
            this.openCard(card);
        }
    }

    async openCard(card) {
        if (this.state.selected === card.rule_id) {
            this.closeDetail();
            return;
        }
        this.state.selected = card.rule_id;
        this.state.history = null;
        this.revealPending = true;
        await this.loadHistory();
    }

    /** Scroll the detail into view (where the eye goes after the click). */
    revealDetail() {
        const el = this.detailRef.el;
        if (el && typeof el.scrollIntoView === "function") {
            el.scrollIntoView({ behavior: "smooth", block: "nearest" });
        }
    }

    async loadHistory() {
        this.state.history = await this.orm.call(
            "kpi.result",
            "get_kpi_history",
            [this.state.selected],
            { period: this.state.period }
        );
    }

    async setPeriod(period) {
        this.state.period = period;
        if (this.state.selected) {
            await this.loadHistory();
        }
    }

    setTab(tab) {
        this.state.tab = tab;
    }

    closeDetail() {
        this.state.selected = null;
        this.state.history = null;
    }

    async openRecords() {
        const resultId = this.state.history?.result_id;
        if (!resultId) {
            return;
        }
        const action = await this.orm.call("kpi.result", "action_open_records", [[resultId]]);
        await this.actionService.doAction(action);
    }

    async openTodo() {
        const resultId = this.state.history?.result_id;
        if (!resultId) {
            return;
        }
        const action = await this.orm.call("kpi.result", "action_open_todo", [[resultId]]);
        if (action) {
            await this.actionService.doAction(action);
        }
    }
}

registry.category("actions").add("kpi_management.my_kpis", MyKpis);
