import { formatCurrency } from "@web/core/currency";
import { _t } from "@web/core/l10n/translation";
import { formatFloat } from "@web/core/utils/numbers";

/** A KPI figure: whole numbers without decimals, others with the decimals they have, up to 2
 * ("103.5%", not "103.50%"). */
export function formatKpiNumber(value) {
    if (value === null || value === undefined || value === false) {
        return "";
    }
    const rounded = Math.round(value * 100) / 100;
    return formatFloat(rounded, {
        digits: [16, Number.isInteger(rounded) ? 0 : 2],
        trailingZeros: false,
    });
}

/** A KPI's value or target: money in its currency (``currencyId``), as Odoo formats monetary
 * fields, without forcing decimals on whole amounts; other figures as formatKpiNumber. With
 * ``signed`` (a growth), a sign before anything but 0: "+12", "−$ 5,000". */
export function formatKpiFigure(value, currencyId, signed = false) {
    if (value === null || value === undefined || value === false) {
        return formatKpiNumber(value);
    }
    const rounded = Math.round(value * 100) / 100;
    const sign = signed && rounded ? (rounded > 0 ? "+" : "−") : "";
    const number = sign ? Math.abs(rounded) : value;
    if (!currencyId) {
        return sign + formatKpiNumber(number);
    }
    const whole = Number.isInteger(rounded);
    return sign + formatCurrency(number, currencyId, { digits: [16, whole ? 0 : 2] });
}

/** The periods a KPI is looked at over (history graph, period scores). */
export function kpiPeriodChoices() {
    return [
        { id: "week", label: _t("Week") },
        { id: "month", label: _t("Month") },
        { id: "quarter", label: _t("Quarter") },
        { id: "year", label: _t("Year") },
    ];
}

/** Bootstrap colour of a KPI status. */
export function statusColor(status) {
    return { reached: "success", warning: "warning", off_track: "danger" }[status] || "secondary";
}

/** "+2 since last week" for a card; a rise is good unless lower is better. */
export function describeDelta(card) {
    if (card.status === "no_data") {
        return { text: _t("Nothing to measure"), color: "muted", icon: "fa-minus" };
    }
    if (card.delta === null || card.delta === undefined) {
        return { text: _t("No result a week ago"), color: "muted", icon: "fa-minus" };
    }
    if (card.delta === 0) {
        return { text: _t("Unchanged since last week"), color: "muted", icon: "fa-arrow-right" };
    }
    const good = card.direction === "lower" ? card.delta < 0 : card.delta > 0;
    const sign = card.delta > 0 ? "+" : "−";
    return {
        text: _t("%(delta)s since last week", {
            delta: `${sign}${formatKpiNumber(Math.abs(card.delta))}`,
        }),
        color: good ? "success" : "danger",
        icon: card.delta > 0 ? "fa-arrow-up" : "fa-arrow-down",
    };
}

/**
 * "+50 pts" for a change of score between two periods (``null`` when there is none). A score
 * already turns a lower-is-better KPI around, so up is always good.
 */
export function describeChange(change) {
    if (change === null || change === undefined || change === false) {
        return null;
    }
    const rounded = Math.round(change * 100) / 100;
    if (rounded === 0) {
        return { text: _t("±0 pts"), color: "muted", icon: "fa-arrow-right" };
    }
    return {
        text: _t("%(change)s pts", {
            change: `${rounded > 0 ? "+" : "−"}${formatKpiNumber(Math.abs(rounded))}`,
        }),
        color: rounded > 0 ? "success" : "danger",
        icon: rounded > 0 ? "fa-arrow-up" : "fa-arrow-down",
    };
}
