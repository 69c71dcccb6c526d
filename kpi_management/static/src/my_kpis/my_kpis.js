import { Component, onWillStart, useState } from "@odoo/owl";
import {
    deserializeDate,
    deserializeDateTime,
    formatDate,
    formatDateTime,
} from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { describeDelta, formatAmount, formatKpiNumber, statusColor } from "./kpi_format";
import { KpiHistoryChart } from "./kpi_history_chart";

/**
 * "My KPIs" ("Dagens KPI"): today's KPIs of the current user as cards; a click on a card
 * shows its history, target and forecast, and links to the records that were counted.
 * Users on a bonus scheme also get a "Bonus estimate" panel: the bonus on track today and
 * forecast at the end of the period, per KPI (kpi.bonus.scheme.get_bonus_preview, one RPC).
 */
export class MyKpis extends Component {
    static template = "kpi_management.MyKpis";
    static components = { KpiHistoryChart };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.state = useState({
            data: null,
            bonus: [],
            selected: null,
            history: null,
            period: "month",
        });
        this.periods = [
            { id: "week", label: _t("Week") },
            { id: "month", label: _t("Month") },
            { id: "quarter", label: _t("Quarter") },
            { id: "year", label: _t("Year") },
        ];
        onWillStart(() => this.load());
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
            return await this.orm.silent.call("kpi.bonus.scheme", "get_bonus_preview", []);
        } catch {
            // no access to the bonus schemes: no panel, the KPIs still show
            return [];
        }
    }

    formatAmount(value, currency) {
        return formatAmount(value, currency);
    }

    formatDay(value) {
        return value ? formatDate(deserializeDate(value)) : "";
    }

    /** "Total score 77%, payout 54%" of an estimate (today's or the forecast). */
    scoreAndPayout(figures) {
        return _t("Total score %(score)s%, payout %(payout)s%", {
            score: formatKpiNumber(figures.total_score),
            payout: formatKpiNumber(figures.payout_percent),
        });
    }

    /** Why the weight used differs from the scheme's weight. */
    weightTitle(line) {
        return _t("%(weight)s% in the scheme; a KPI with nothing to measure shares its weight with the others", {
            weight: formatKpiNumber(line.weight),
        });
    }

    forecastTitle(bonus) {
        return _t("Forecast at the end of the period (%(date)s)", {
            date: this.formatDay(bonus.period_end),
        });
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
        await this.loadHistory();
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
        await this.loadHistory();
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
}

registry.category("actions").add("kpi_management.my_kpis", MyKpis);
