import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import {
    deserializeDate,
    deserializeDateTime,
    formatDate,
    formatDateTime,
} from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import {
    describeChange,
    formatKpiFigure,
    formatKpiNumber,
    kpiPeriodChoices,
    statusColor,
} from "./kpi_format";

/**
 * The "Periods" tab of My KPIs: each of the user's KPIs over the current week, month, quarter
 * or year (so far, or final once it has ended), next to the previous period and the change in
 * score points. One RPC per period type (kpi.period.result.get_my_periods), read from the
 * period scores stored every night.
 */
export class KpiPeriods extends Component {
    static template = "kpi_management.KpiPeriods";
    static props = {
        period: String,
        onPeriodChange: Function,
    };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.periods = kpiPeriodChoices();
        this.columns = ["current", "previous"];
        this.state = useState({ data: null });
        onWillStart(() => this.load(this.props.period));
        onWillUpdateProps((next) => {
            if (next.period !== this.props.period) {
                return this.load(next.period);
            }
        });
    }

    async load(period) {
        this.state.data = await this.orm.call("kpi.period.result", "get_my_periods", [period]);
    }

    get computedAt() {
        const value = this.state.data?.computed_at;
        return value ? formatDateTime(deserializeDateTime(value)) : "";
    }

    /** A period's value or target: money in the currency that period recorded. */
    formatFigure(cell, value) {
        return formatKpiFigure(value, cell.currency_id);
    }

    formatNumber(value) {
        return formatKpiNumber(value);
    }

    formatDate(value) {
        return value ? formatDate(deserializeDate(value)) : "";
    }

    statusColor(status) {
        return statusColor(status);
    }

    barWidth(score) {
        return Math.max(0, Math.min(100, score || 0));
    }

    /** A column's heading: the period's name ("November 2026"). */
    headingLabel(column) {
        const heading = this.state.data[column];
        if (heading) {
            return heading.label;
        }
        return column === "current" ? _t("This period") : _t("Previous period");
    }

    /** How far a KPI's period was measured, when it differs from its column's heading. */
    cellProgress(cell, column) {
        const heading = this.state.data[column];
        return heading && cell.progress !== heading.progress ? cell.progress : "";
    }

    /** The change in points with its arrow and colour, or why there is none. */
    change(row) {
        const change = describeChange(row.change);
        if (change) {
            return Object.assign(change, { note: row.change_note || "" });
        }
        const reason =
            row.change_note ||
            (row.previous ? _t("Nothing to measure") : _t("No previous score"));
        return { text: reason, color: "muted", icon: "fa-minus" };
    }

    /** "Last daily value" of a period: the KPI's own figure (its window) on its last day. */
    lastValue(row, cell) {
        if (cell.last_value === null || cell.last_value === undefined) {
            return _t("Last day (%(date)s): nothing to measure", {
                date: this.formatDate(cell.last_date),
            });
        }
        // the unit in brackets: no plural to get wrong ("1 activities") in any language
        if (!row.unit_label) {
            return _t("Last daily value: %(value)s (%(date)s)", {
                value: this.formatFigure(cell, cell.last_value),
                date: this.formatDate(cell.last_date),
            });
        }
        return _t("Last daily value (%(unit)s): %(value)s (%(date)s)", {
            value: this.formatFigure(cell, cell.last_value),
            unit: row.unit_label,
            date: this.formatDate(cell.last_date),
        });
    }

    async openRecords(cell) {
        const action = await this.orm.call("kpi.period.result", "action_open_records", [[cell.id]]);
        await this.actionService.doAction(action);
    }
}
