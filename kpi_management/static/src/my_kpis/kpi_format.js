import { _t } from "@web/core/l10n/translation";
import { formatFloat } from "@web/core/utils/numbers";

/** A KPI figure: whole numbers without decimals, others with up to 2. */
export function formatKpiNumber(value) {
    if (value === null || value === undefined || value === false) {
        return "";
    }
    const rounded = Math.round(value * 100) / 100;
    return formatFloat(rounded, { digits: [16, Number.isInteger(rounded) ? 0 : 2] });
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
